"""``flask --app wsgi sites|keys ...``: clinics (sites) and their editors' API keys."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from service import audit
from service import db as database
from service.auth import DEFAULT_SCOPES, SCOPES, ApiKey, create_api_key, revoke_api_key
from service.errors import ApiError
from service.sites import Site, create_site, site_by_slug

sites_cli = AppGroup("sites", help="Clinics (sites).")
keys_cli = AppGroup("keys", help="Editors' API keys.")

#: who the audit log says acted, for changes made with these commands
CLI_ACTOR = "command line"


def _fail(err: ApiError) -> None:
    raise click.ClickException(err.message)


@sites_cli.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--origin", "origins", multiple=True, help="An origin allowed to show the widget (repeatable).")
@click.option("--postal-address", default="", help="Postal address printed in every email footer.")
@click.option("--from-email", default=None, help="From address of this clinic's emails.")
def sites_create(slug: str, name: str, origins: tuple[str, ...], postal_address: str, from_email: str | None) -> None:
    """Create a site (a clinic)."""
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        try:
            site = create_site(db, slug, name, list(origins), postal_address=postal_address, from_email=from_email)
        except ApiError as err:
            _fail(err)
        db.commit()
        click.echo(f"created site {site.slug} (id {site.id})")


@sites_cli.command("list")
def sites_list() -> None:
    """List sites."""
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        for site in db.scalars(select(Site).order_by(Site.slug)):
            click.echo(f"{site.slug}\t{site.name}\t{', '.join(site.allowed_origins or []) or '-'}")


@keys_cli.command("create")
@click.argument("slug")
@click.option("--name", default="", help="What the key is for.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="What the key may do (repeatable): content (the default), subscribers, settings.",
)
def keys_create(slug: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key for a site; the key is printed once and never stored."""
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        try:
            key, plain = create_api_key(db, site_by_slug(db, slug), name, scopes or DEFAULT_SCOPES)
        except ApiError as err:
            _fail(err)
        db.commit()
        click.echo(f"key id {key.id} for {slug}, scopes {', '.join(key.scope_list)} (shown once, store it now):")
        click.echo(plain)


@keys_cli.command("list")
@click.argument("slug")
def keys_list(slug: str) -> None:
    """List a site's keys (never the keys themselves)."""
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        try:
            site = site_by_slug(db, slug)
        except ApiError as err:
            _fail(err)
        for key in db.scalars(select(ApiKey).where(ApiKey.site_id == site.id).order_by(ApiKey.id)):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            scopes = ",".join(key.scope_list)
            click.echo(f"{key.id}\tcr_{key.prefix}_…\t{scopes}\t{state}\tlast used {used}\t{key.name}")


@keys_cli.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    """Revoke an API key by its id."""
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        try:
            revoke_api_key(db, key_id)
        except ApiError as err:
            _fail(err)
        db.commit()
        click.echo(f"revoked key {key_id}")
