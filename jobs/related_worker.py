"""``flask --app wsgi related work [--once]``: the worker that brings queued related lists up to date.

Writes queue their articles in ``related_pending``; this process drains the queue (see
``articles.related.pending``) in a loop with a short poll, beside gunicorn and the scheduler. SIGTERM or
SIGINT stops it after the batch in hand commits; a batch cut short by a crash leaves its rows queued, so the
next run (or the ``drain_related`` scheduled job) does them.
"""

from __future__ import annotations

import logging

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from articles.related import pending
from jobs.scheduler import stop_on_signals
from service import db as database

log = logging.getLogger(__name__)
related_cli = AppGroup("related", help="The background work that keeps related lists current.")


@related_cli.command("work")
@click.option("--once", is_flag=True, help="Drain what is queued now, then exit.")
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(min=0.05),
    default=0.5,
    show_default=True,
    help="Seconds between looks at an empty queue.",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=pending.BATCH,
    show_default=True,
    help="Articles per incremental batch (one commit each).",
)
def work(once: bool, poll_seconds: float, batch: int) -> None:
    """Update queued related lists until SIGTERM/SIGINT (or, with --once, until the queue is empty)."""
    with stop_on_signals() as stop:
        while not stop.is_set():
            try:
                with database.new_session() as db:
                    result = pending.drain(db, budget_seconds=60.0, batch=batch, should_stop=stop.is_set)
            except OperationalError as exc:  # SQLite busy past its timeout, or a dropped connection: try again
                log.warning("related work interrupted (%s); retrying", exc.__class__.__name__)
                stop.wait(poll_seconds)
                continue
            if result["handled"]:
                click.echo(f"related lists updated: {result['handled']}; {result['left']} left", err=True)
            if once and not result["left"]:
                break
            if not result["handled"]:
                stop.wait(poll_seconds)
