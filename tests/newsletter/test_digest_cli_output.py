"""`flask digests send` reports its progress, reads the server's settings (.env) and warns before mailing links
to the default local address."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from service.settings import DEFAULT_PUBLIC_BASE_URL
from tests.conftest import REPO_ROOT
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.test_digests import NOW, send, smtp_app

WARNING = f"Warning: PUBLIC_BASE_URL is the default {DEFAULT_PUBLIC_BASE_URL}"


def test_digests_send_shows_progress_and_warns_about_the_default_address(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "back@example.org", ["Back Pain"], NOW)
    add_subscriber(app, "food@example.org", ["Food Hypersensitivity"], NOW)
    app.config["PUBLIC_BASE_URL"] = DEFAULT_PUBLIC_BASE_URL
    result = send(app)
    assert WARNING in result.stderr and WARNING not in result.stdout
    assert "digest-clinic: 2/2 due digests handled" in result.stderr
    assert '"sent": 2' in result.stdout
    assert DEFAULT_PUBLIC_BASE_URL in smtp_sink.messages[0].message.get_body(("plain",)).get_content()


def run_send(database_url: str, tmp_path: Path, env_file: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": "test"}
    env.pop("PUBLIC_BASE_URL", None)
    env["CLINIC_READS_ENV_FILE"] = str(env_file)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "digests", "send"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_reads_public_base_url_from_the_env_file(sqlite_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"  # not the project's own .env, whatever a developer keeps there
    empty.write_text("")
    without = run_send(sqlite_url, tmp_path, empty)
    assert without.returncode == 0, without.stderr
    assert WARNING in without.stderr
    env_file = tmp_path / "clinic.env"
    env_file.write_text("PUBLIC_BASE_URL=https://reads.clinic.example\n")
    configured = run_send(sqlite_url, tmp_path, env_file)
    assert configured.returncode == 0, configured.stderr
    assert "PUBLIC_BASE_URL is the default" not in configured.stderr
