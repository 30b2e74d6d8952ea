"""``flask digests send``: send every due digest now (what the scheduler's job does)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from newsletter.digests.run import DEFAULT_CLAIM_TIMEOUT, send_due_digests
from service import db as database
from service.config import default_base_url_warning
from service.db import utcnow

digests_cli = AppGroup("digests", help="Personalised email digests.")


def _parse_now(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2026-03-02T09:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@digests_cli.command("send")
@click.option("--now", "now_text", default=None, help="Act as if it were this time (ISO 8601; default: now).")
@click.option(
    "--claim-timeout",
    default=int(DEFAULT_CLAIM_TIMEOUT.total_seconds()),
    show_default=True,
    type=click.IntRange(0),
    help="Seconds after which another run's unfinished claim is retried.",
)
def send(now_text: str | None, claim_timeout: int) -> None:
    """Send the digests that are due, once per subscriber and period."""
    warning = default_base_url_warning(current_app.config)
    if warning:
        click.echo(f"Warning: {warning}", err=True)

    def progress(slug: str, done: int, due: int) -> None:
        click.echo(f"{slug}: {done}/{due} due digests handled", err=True)

    with database.new_session() as db:
        try:
            result = send_due_digests(
                db, _parse_now(now_text), current_app.config, timedelta(seconds=claim_timeout), progress
            )
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result, sort_keys=True))
