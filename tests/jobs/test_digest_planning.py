"""Planning the digest batches reads the subscribers a page at a time and enqueues each batch as it fills: through
the sending job's worker entry (``run_job(..., origin=WORKER)``), every due subscriber is in exactly one batch
whatever the page and batch sizes, nobody who is not due is in any, and once the batches have run a second
planning finds nobody. The batches are read back from the embedded filesystem broker the job enqueued them on.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from jobs import queue, worker_tasks
from jobs.runner import WORKER, run_job
from newsletter.models import Subscriber
from service import db as database
from service.db import utcnow
from tests.conftest import make_test_app
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic

DUE = 23
BATCH = 5


def queued_batches(folder: Path) -> list[dict[str, Any]]:
    """The ``send_digest_batch`` tasks waiting in the filesystem broker (their keyword arguments), oldest first."""
    batches = []
    for path in sorted(folder.glob("*.msg")):
        message = json.loads(path.read_text())
        if message["headers"]["task"] != queue.SEND_DIGEST_BATCH:
            continue
        _, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        batches.append(kwargs)
        path.unlink()
    return batches


@pytest.fixture
def planning_app(database_url: str, tmp_path: Path) -> Any:
    application = make_test_app(
        database_url,
        tmp_path / "var",
        CELERY_BROKER_URL=f"filesystem://{tmp_path / 'broker'}",
        DIGEST_BATCH_SIZE=BATCH,
        DIGEST_PLAN_PAGE_SIZE=7,
        PUBLIC_BASE_URL="https://service.test",
    )
    yield application
    application.extensions["db_engine"].dispose()


def test_streamed_planning_puts_every_due_subscriber_in_exactly_one_batch(planning_app: Flask, tmp_path: Path) -> None:
    app, broker = planning_app, tmp_path / "broker"
    now = utcnow()
    build_clinic(app, now - timedelta(hours=20))
    due = [add_subscriber(app, f"due{i}@example.org", ["Back Pain"], now) for i in range(DUE)]
    # not due: a later hour of the day (their period has not come), a paused one, an unconfirmed one
    later = (now.hour + 2) % 24
    not_due = [add_subscriber(app, f"later{i}@example.org", ["Back Pain"], now, hour=later) for i in range(4)]
    paused = add_subscriber(app, "paused@example.org", ["Back Pain"], now)
    pending = add_subscriber(app, "pending@example.org", ["Back Pain"], now)
    with app.app_context(), database.new_session() as db:
        db.execute(update(Subscriber).where(Subscriber.id == paused).values(paused=True))
        db.execute(update(Subscriber).where(Subscriber.id == pending).values(status="pending"))
        db.commit()
    if now.hour >= 22:  # the "later" hour is early today, already past: those subscribers are due as well
        due, not_due = due + not_due, []

    run = run_job("send_due_digests", app, origin=WORKER)
    assert run.status == "ok", run.error
    batches = queued_batches(broker)
    planned = [i for batch in batches for i in batch["subscriber_ids"]]
    assert sorted(planned) == sorted(due), (planned, due)
    assert len(planned) == len(set(planned))
    assert all(0 < len(batch["subscriber_ids"]) <= BATCH for batch in batches)
    assert len(batches) == -(-len(due) // BATCH)
    assert run.summary["batches"] == len(batches) and run.summary["due"] == len(due)
    assert not set(planned) & {*not_due, paused, pending}

    # the batches run as a worker runs them; afterwards nobody is due until their next period
    with app.app_context():
        results = [worker_tasks.send_digest_batch(**batch) for batch in batches]
    assert sum(r["sent"] + r["skipped"] for r in results) == len(due)
    again = run_job("send_due_digests", app, origin=WORKER)
    assert again.status == "ok", again.error
    assert again.summary["batches"] == 0 and again.summary["due"] == 0
    assert queued_batches(broker) == []
