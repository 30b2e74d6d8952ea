"""``flask --app wsgi worker``: a Celery worker that runs the queued tasks (scheduled jobs, digest batches).

Start as many as the machines serve well, on any machine that reaches the database and the broker
(``CELERY_BROKER_URL``). SIGTERM stops a worker after the tasks in hand finish (Celery's warm shutdown).
"""

from __future__ import annotations

import os
from typing import Any

import click
from celery import Celery
from celery.signals import worker_process_init
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import Engine


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
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def fresh_connections(**_kwargs: Any) -> None:
        # A prefork child must not share the parent's database connections: it opens its own.
        for extension in app.extensions.values():
            if isinstance(extension, Engine):
                extension.dispose(close=False)

    worker_process_init.connect(fresh_connections, weak=False)
    celery_app: Celery = app.extensions["celery"]
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
