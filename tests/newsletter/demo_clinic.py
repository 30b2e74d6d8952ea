"""A SQLite file holding the whole demo clinic (1,017 articles, its reader topics), built once per module."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import make_test_app


def build_demo_database(template: Path, directory: Path) -> Path:
    """Copy the migrated template and run ``flask demo load`` on it; returns the file."""
    path = directory / "demo.db"
    shutil.copy(template, path)
    app = make_test_app(f"sqlite:///{path}", directory / "var")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    app.extensions["db_engine"].dispose()
    return path


def copy_of(database: Path, directory: Path) -> str:
    """A fresh copy of the demo database for one test; its URL."""
    path = directory / "demo-copy.db"
    shutil.copy(database, path)
    return f"sqlite:///{path}"
