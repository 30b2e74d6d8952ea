"""Every setting is documented in docs/settings.md and every CLI command in README.md."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS_DOC = (REPO_ROOT / "docs" / "settings.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [name for name in Settings.model_fields if f"| `{name}` |" not in SETTINGS_DOC]
    assert missing == []


def test_every_cli_command_is_documented(app: Flask) -> None:
    ours = {"db", "sites", "keys", "demo", "recommender", "jobs", "feeds", "subscribers", "editors", "digests"}
    missing = []
    for group_name, group in app.cli.commands.items():
        if group_name not in ours:
            continue
        for command_name in getattr(group, "commands", {}):
            if f"`{group_name} {command_name}" not in README.split("## Command line", 1)[1]:
                missing.append(f"{group_name} {command_name}")
    assert missing == []
