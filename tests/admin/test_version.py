"""One version number, shown by /healthz, the admin pages' footer and `flask version`."""

from __future__ import annotations

import tomllib
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from clinicreads import __version__
from tests.admin.conftest import Account, sign_in
from tests.conftest import REPO_ROOT


def test_one_version_everywhere(app: Flask, client: FlaskClient, admin_a: Account, runner: Any) -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"]
    assert f"## {__version__}" not in (REPO_ROOT / "CHANGELOG.md").read_text()  # released only when the lead dates it
    assert client.get("/healthz").get_json()["version"] == __version__
    result = runner.invoke(args=["version"])
    assert result.exit_code == 0 and result.output.strip() == f"Clinic Reads {__version__}"
    sign_in(client, admin_a)
    page = client.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert f"Clinic Reads {__version__}" in page
