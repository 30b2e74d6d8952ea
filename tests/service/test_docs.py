"""The documentation keeps up with the code: every setting and CLI command is documented, links resolve.

Settings are documented in ``docs/settings.md`` and CLI commands in ``docs/cli.md`` (one ``### `group command` ``
heading each, with the command's options in its section). README.md stays a short front door.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask import Flask

from service.settings import Settings
from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
README_MAX_LINES = 130

#: a CLI reference heading: ### `group command`
COMMAND_HEADING = re.compile(r"^### `([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)?)`\s*$", re.MULTILINE)
#: inline links and images: [text](target) / ![alt](target), the target up to a space or ")"
MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _cli_commands(app: Flask) -> dict[str, click.Command]:
    """Every ``flask --app wsgi`` command of the app by its full name ("group command")."""
    commands: dict[str, click.Command] = {}
    for name, command in app.cli.commands.items():
        if isinstance(command, click.Group):
            commands.update({f"{name} {sub}": cmd for sub, cmd in command.commands.items()})
        else:
            commands[name] = command
    return commands


def _cli_sections() -> dict[str, str]:
    """``docs/cli.md`` split at its command headings: {"group command": the text up to the next heading}."""
    text = _text(DOCS / "cli.md")
    headings = list(COMMAND_HEADING.finditer(text))
    sections = {}
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        end = following.start() if following else len(text)
        section = text[heading.end() : end]
        sections[heading.group(1)] = re.split(r"^## ", section, flags=re.MULTILINE)[0]
    return sections


def test_every_setting_is_documented() -> None:
    settings_doc = _text(DOCS / "settings.md")
    missing = [name for name in Settings.model_fields if f"| `{name}` |" not in settings_doc]
    assert missing == []


def test_every_cli_command_is_documented_and_every_documented_command_exists(sqlite_app: Flask) -> None:
    commands = set(_cli_commands(sqlite_app))
    documented = set(_cli_sections())
    assert sorted(commands - documented) == [], "commands missing from docs/cli.md"
    assert sorted(documented - commands) == [], "docs/cli.md documents commands that do not exist"


def test_every_cli_option_is_documented_with_its_command(sqlite_app: Flask) -> None:
    sections = _cli_sections()
    missing = []
    for name, command in _cli_commands(sqlite_app).items():
        for param in command.params:
            if isinstance(param, click.Option):
                flags = [flag for flag in param.opts if flag.startswith("--")]
                if flags and not any(f"`{flag}" in sections.get(name, "") for flag in flags):
                    missing.append(f"{name} {flags[0]}")
    assert missing == []


def test_readme_is_a_short_front_door() -> None:
    lines = _text(README).splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move reference material to docs/"


def _relative_links(path: Path) -> list[tuple[str, str]]:
    """(file, anchor) of each link of a Markdown page that points into the repository (code blocks skipped).

    A link to an anchor of the page itself has an empty file part.
    """
    text = FENCE.sub("", _text(path))
    links = []
    for target in MARKDOWN_LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http(s)://, mailto: and the like
        file, _, anchor = target.partition("#")
        links.append((file, anchor))
    return links


def _anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a Markdown page's headings: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} +(.+?) *$", FENCE.sub("", _text(path)), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def _pages() -> list[Path]:
    pages = [README, *sorted(DOCS.glob("*.md"))]
    assert len(pages) > 1, "docs/ has no pages"
    return pages


def test_every_relative_link_points_to_a_file_that_exists() -> None:
    broken = [
        f"{page.relative_to(REPO_ROOT)} -> {file}"
        for page in _pages()
        for file, _ in _relative_links(page)
        if file and not (page.parent / file).exists()
    ]
    assert broken == []


def test_every_link_to_a_heading_finds_it() -> None:
    broken = []
    for page in _pages():
        for file, anchor in _relative_links(page):
            target = (page.parent / file) if file else page
            if anchor and target.suffix == ".md" and target.exists() and anchor not in _anchors(target):
                broken.append(f"{page.relative_to(REPO_ROOT)} -> {file}#{anchor}")
    assert broken == []
