"""``flask --app wsgi editors ...``: editors' accounts from the command line (the first admin, resets)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from admin import auth
from admin.models import ROLES
from service import audit
from service import db as database
from service.errors import ApiError
from service.sites import site_by_slug

editors_cli = AppGroup("editors", help="Editors' accounts for the admin pages.")

#: who the audit log says acted, for changes made with these commands
CLI_ACTOR = "command line"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@editors_cli.command("create")
@click.argument("slug")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--name", default="", help="The editor's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def editors_create(slug: str, email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an editor of site SLUG (the password is prompted for, twice)."""
    password = _password(password_stdin)
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        try:
            editor = auth.create_editor(db, site_by_slug(db, slug), email, password, role, name)
        except ApiError as err:
            raise click.ClickException(err.message) from None
        db.commit()
        click.echo(f"created {editor.role} {editor.email} for {slug} (id {editor.id})")


@editors_cli.command("list")
@click.argument("slug")
def editors_list(slug: str) -> None:
    """List a site's editors."""
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        try:
            site = site_by_slug(db, slug)
        except ApiError as err:
            raise click.ClickException(err.message) from None
        for editor in auth.site_editors(db, site):
            state = "disabled" if editor.disabled_at else "active"
            last = f"{editor.last_login_at:%Y-%m-%d %H:%M}" if editor.last_login_at else "never"
            click.echo(f"{editor.id}\t{editor.email}\t{editor.role}\t{state}\tlast sign-in {last}")


@editors_cli.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def editors_password(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL (their open sessions end)."""
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        editor = auth.editor_by_email(db, email)
        if editor is None:
            raise click.ClickException(f"No editor {email}.")
        try:
            auth.set_password(db, editor, _password(password_stdin))
        except ApiError as err:
            raise click.ClickException(err.message) from None
        db.commit()
        click.echo(f"password changed for {editor.email}")
