"""Command-line tools: ``flask --app wsgi <group> <command>``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from service import db as database
from service import migrations
from service.auth import ApiKey, create_api_key, revoke_api_key
from service.config import PROJECT_ROOT
from service.errors import ApiError
from service.sites import Site, create_site, site_by_slug

DEFAULT_TOPICS = PROJECT_ROOT.parent / "shared" / "data" / "medlineplus" / "topics.jsonl"

db_cli = AppGroup("db", help="Database schema.")
sites_cli = AppGroup("sites", help="Clinics (sites).")
keys_cli = AppGroup("keys", help="Editors' API keys.")
demo_cli = AppGroup("demo", help="The demo clinic.")


def _fail(err: ApiError) -> None:
    raise click.ClickException(err.message)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to DATABASE_URL."""
    migrations.upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is up to date")


@sites_cli.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--origin", "origins", multiple=True, help="An origin allowed to show the widget (repeatable).")
@click.option("--postal-address", default="", help="Postal address printed in every email footer.")
@click.option("--from-email", default=None, help="From address of this clinic's emails.")
def sites_create(slug: str, name: str, origins: tuple[str, ...], postal_address: str, from_email: str | None) -> None:
    """Create a site (a clinic)."""
    with database.new_session() as db:
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
        for site in db.scalars(select(Site).order_by(Site.slug)):
            click.echo(f"{site.slug}\t{site.name}\t{', '.join(site.allowed_origins or []) or '-'}")


@keys_cli.command("create")
@click.argument("slug")
@click.option("--name", default="", help="What the key is for.")
def keys_create(slug: str, name: str) -> None:
    """Create an API key for a site; the key is printed once and never stored."""
    with database.new_session() as db:
        try:
            key, plain = create_api_key(db, site_by_slug(db, slug), name)
        except ApiError as err:
            _fail(err)
        db.commit()
        click.echo(f"key id {key.id} for {slug} (shown once, store it now):")
        click.echo(plain)


@keys_cli.command("list")
@click.argument("slug")
def keys_list(slug: str) -> None:
    """List a site's keys (never the keys themselves)."""
    with database.new_session() as db:
        try:
            site = site_by_slug(db, slug)
        except ApiError as err:
            _fail(err)
        for key in db.scalars(select(ApiKey).where(ApiKey.site_id == site.id).order_by(ApiKey.id)):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            click.echo(f"{key.id}\tcr_{key.prefix}_…\t{state}\tlast used {used}\t{key.name}")


@keys_cli.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    """Revoke an API key by its id."""
    with database.new_session() as db:
        try:
            revoke_api_key(db, key_id)
        except ApiError as err:
            _fail(err)
        db.commit()
        click.echo(f"revoked key {key_id}")


@demo_cli.command("load")
@click.option("--topics", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEFAULT_TOPICS,
              show_default=True)
@click.option("--slug", default="demo", show_default=True)
@click.option("--origin", "origins", multiple=True, default=("http://127.0.0.1:8000", "http://localhost:8000"),
              show_default=True)
def demo_load(topics: Path, slug: str, origins: tuple[str, ...]) -> None:
    """Create the demo clinic and load MedlinePlus topics into it; loading twice changes nothing."""
    from articles import related
    from articles.demo import load_topics

    with database.new_session() as db:
        site = db.scalar(select(Site).where(Site.slug == slug)) or create_site(
            db, slug, "Riverside Family Clinic (demo)", list(origins),
            postal_address="100 Riverside Way, Springfield, ST 00000", from_email="news@clinic.example")
        with related.deferred(db, site):
            report, _ = load_topics(db, site, topics)
        db.commit()
        click.echo(f"demo site {slug}: {report.created} created, {report.updated} updated, "
                   f"{report.unchanged} unchanged")


def init_app(app: Flask) -> None:
    from articles.related_cli import recommender_cli

    for group in (db_cli, sites_cli, keys_cli, demo_cli, recommender_cli):
        app.cli.add_command(group)
