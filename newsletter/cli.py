"""``flask --app wsgi subscribers ...``: subscriber housekeeping."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from newsletter.subscriptions import purge_expired_pending
from service import db as database
from service.db import utcnow

subscribers_cli = AppGroup("subscribers", help="Newsletter subscribers.")


@subscribers_cli.command("purge-pending")
def purge_pending() -> None:
    """Delete sign-ups not confirmed within PENDING_EXPIRY_DAYS."""
    with database.new_session() as db:
        count = purge_expired_pending(db, utcnow(), current_app.config["PENDING_EXPIRY_DAYS"])
        db.commit()
    click.echo(f"purged {count} expired pending subscription(s)")
