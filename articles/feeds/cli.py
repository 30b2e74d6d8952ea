"""``flask --app wsgi feeds ...``: poll due feeds now, add a feed."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from articles.feeds import sources
from articles.feeds.polling import poll_due_feeds
from articles.schemas import parse_model
from service import db as database
from service.db import utcnow
from service.errors import ApiError
from service.sites import site_by_slug

feeds_cli = AppGroup("feeds", help="Article feeds (RSS, Atom, JSON Feed).")


@feeds_cli.command("poll")
@click.option("--site", "slug", default=None, help="Only this site's feeds.")
def feeds_poll(slug: str | None) -> None:
    """Poll the feeds that are due now (each feed in its own transaction)."""
    with database.new_session() as db:
        try:
            site = site_by_slug(db, slug) if slug else None
        except ApiError as err:
            raise click.ClickException(err.message) from None
        totals = poll_due_feeds(db, utcnow(), current_app.config, site=site)
    click.echo(", ".join(f"{name} {count}" for name, count in totals.items()))


@feeds_cli.command("add")
@click.argument("slug")
@click.argument("url")
@click.option(
    "--interval",
    "interval_minutes",
    type=int,
    default=sources.INTERVAL_DEFAULT,
    show_default=True,
    help=f"Minutes between polls ({sources.INTERVAL_MIN}-{sources.INTERVAL_MAX}).",
)
@click.option("--title", default=None, help="A name for the feed (else the feed's own title).")
def feeds_add(slug: str, url: str, interval_minutes: int, title: str | None) -> None:
    """Add a feed to a site; it is polled at the next run."""
    with database.new_session() as db:
        try:
            site = site_by_slug(db, slug)
            data = parse_model(sources.FeedIn, {"url": url, "interval_minutes": interval_minutes, "title": title})
            feed = sources.add_feed(
                db,
                site,
                data,
                allow_private=bool(current_app.config.get("FEEDS_ALLOW_PRIVATE_HOSTS")),
                allowed_networks=sources.allowed_networks(current_app.config),
            )
        except ApiError as err:
            detail = "; ".join(f"{k}: {v}" for k, v in err.fields.items())
            raise click.ClickException(err.message + (f" ({detail})" if detail else "")) from None
        db.commit()
        click.echo(f"added feed {feed.id} to {slug}: {feed.url} (every {feed.interval_minutes} min)")
