"""``flask --app wsgi worker``: a Celery worker that runs the queued tasks (scheduled jobs, digest batches).

Start as many as the machines serve well, on any machine that reaches the database and the broker
(``CELERY_BROKER_URL``). SIGTERM stops a worker after the tasks in hand finish (Celery's warm shutdown).
"""

from __future__ import annotations

import os

import click
from celery import Celery
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Tasks run at once (child processes with the prefork pool).",
)
@click.option(
    "--pool",
    type=click.Choice(["prefork", "solo", "threads"]),
    default="prefork",
    show_default=True,
    help="prefork: child processes; solo: tasks run in this process, one at a time.",
)
@click.option("--loglevel", default="INFO", show_default=True, help="Celery's log level.")
@with_appcontext
def worker(concurrency: int, pool: str, loglevel: str) -> None:
    """Run queued tasks until SIGTERM/SIGINT: scheduled jobs, digest batches."""
    celery_app: Celery = current_app.extensions["celery"]
    celery_app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--loglevel={loglevel}",
            f"--hostname=clinicreads-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
