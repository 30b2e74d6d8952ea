"""The production layout (Procfile, docker-compose.yml, deploy/systemd) runs only commands that exist, with
options they accept: the same ``flask --app wsgi ...`` commands and gunicorn line the other tests run."""

from __future__ import annotations

import configparser
import os
import shlex
from pathlib import Path

import click
import pytest
import yaml
from flask import Flask
from gunicorn.config import Config

from tests.conftest import REPO_ROOT

SYSTEMD = REPO_ROOT / "deploy" / "systemd"


def procfile_commands() -> dict[str, list[str]]:
    commands = {}
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            # the shell expands ${VAR:-default} to its default when VAR is unset
            expanded = os.path.expandvars(command).replace("${PORT:-8000}", "8000")
            for var, default in (("WEB_WORKERS", "2"), ("WORKER_CONCURRENCY", "2")):
                expanded = expanded.replace(f"${{{var}:-{default}}}", default)
            commands[f"Procfile {name}"] = shlex.split(expanded)
    return commands


def compose_commands() -> dict[str, list[str]]:
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    return {
        f"compose {name}": service["command"] for name, service in services.items() if name not in ("postgres", "redis")
    }


def systemd_commands() -> dict[str, list[str]]:
    commands = {}
    for unit in sorted(SYSTEMD.glob("*.service")):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(unit.read_text())
        argv = shlex.split(parser["Service"]["ExecStart"].replace("%%", "%"))
        commands[f"systemd {unit.name}"] = [Path(argv[0]).name, *argv[1:]]
    return commands


ALL = {**procfile_commands(), **compose_commands(), **systemd_commands()}


def test_the_layout_runs_every_process() -> None:
    wanted = {"web": "gunicorn", "scheduler": "jobs run", "worker": "worker", "related": "related work"}
    for source in ("Procfile", "compose", "systemd"):
        lines = [" ".join(argv) for name, argv in ALL.items() if name.startswith(source)]
        for process, marker in wanted.items():
            assert any(marker in line for line in lines), f"{source} runs no {process} process"


@pytest.mark.parametrize("name", sorted(ALL))
def test_each_command_exists_and_accepts_its_options(name: str, sqlite_app: Flask) -> None:
    argv = ALL[name]
    if argv[0] == "gunicorn":
        config = Config()
        parsed = config.parser().parse_args(argv[1:])
        assert parsed.args == ["wsgi:app"], argv
        assert "%(r)s" not in " ".join(argv), "the access log must not write query strings"
        return
    assert argv[:3] == ["flask", "--app", "wsgi"], argv
    words = argv[3:]
    command: click.Command = sqlite_app.cli
    while isinstance(command, click.Group):
        found = command.get_command(click.Context(command), words[0])
        if found is None and command is sqlite_app.cli:
            found = sqlite_app.cli.commands.get(words[0])
        assert found is not None, f"{name}: no command {words[0]!r}"
        command, words = found, words[1:]
    command.make_context(command.name or "", list(words))  # raises UsageError for an unknown option or value
