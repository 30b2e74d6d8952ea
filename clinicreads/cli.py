"""``flask --app wsgi db|demo ...``: the database schema and the demo clinic."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from articles.demo import DEMO_TOPICS, load_topics
from articles.related import updates
from articles.related.pending import drain_site_fully
from articles.synonyms.store import seed_from_articles
from newsletter.reader_topics import load_topics_file
from service import db as database
from service import migrations
from service.sites import Site, create_site

#: where the demo clinic's articles live (MedlinePlus)
DEMO_ARTICLES_ORIGIN = "https://medlineplus.gov"

db_cli = AppGroup("db", help="Database schema.")
demo_cli = AppGroup("demo", help="The demo clinic.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to DATABASE_URL."""
    migrations.upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is up to date")


@demo_cli.command("load")
@click.option(
    "--topics", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEMO_TOPICS, show_default=True
)
@click.option("--slug", default="demo", show_default=True)
@click.option(
    "--origin", "origins", multiple=True, default=("http://127.0.0.1:8000", "http://localhost:8000"), show_default=True
)
def demo_load(topics: Path, slug: str, origins: tuple[str, ...]) -> None:
    """Create the demo clinic and load MedlinePlus topics into it; loading twice changes nothing.

    Only what is missing is added (and the demo's untouched articles brought up to date): articles editors
    edited or retired, and reader topics that exist, are left as they are.
    """
    with database.new_session() as db:
        site = db.scalar(select(Site).where(Site.slug == slug)) or create_site(
            db,
            slug,
            "Riverside Family Clinic (demo)",
            # the articles' own host too, so counted clicks redirect to them (click links go only to a site's origins)
            [*origins, DEMO_ARTICLES_ORIGIN],
            postal_address="100 Riverside Way, Springfield, ST 00000",
            from_email="news@clinic.example",
        )
        with updates.deferred(db, site):
            report, _ = load_topics(db, site, topics, lambda done: click.echo(f"{done} topics loaded", err=True))
        created, updated, unchanged = load_topics_file(db, site, update_existing=False)
        seeded = seed_from_articles(db, site)
        db.commit()
        click.echo("updating the related lists (one refit)...", err=True)
        drain_site_fully(db, site)
        click.echo(
            f"demo site {slug}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.kept} kept as editors left them; "
            f"synonyms from 'Also called' names: {seeded['added']} added, {seeded['changed']} changed"
        )
        click.echo(f"reader topics: {created} created, {updated} updated, {unchanged} unchanged")
