"""The tasks a Celery worker (``flask worker``) runs, registered under the names in ``jobs.queue``.

Each runs inside the Flask app's context (``jobs.queue.celery_init_app``) and is safe to run twice: scheduled
jobs are idempotent, and a digest batch claims each message in the ledger before it leaves.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from flask import current_app

from jobs import queue
from jobs.runner import WORKER, run_job
from newsletter.digests import run as digest_run
from service import db as database
from service.sites import Site

log = logging.getLogger(__name__)


@shared_task(name=queue.RUN_JOB)
def run_job_task(job_id: str) -> str:
    """A scheduled job the scheduler enqueued; recorded in job_runs with origin ``worker``."""
    return run_job(job_id, origin=WORKER).status


@shared_task(name=queue.SEND_DIGEST_BATCH)
def send_digest_batch(
    site_id: int, subscriber_ids: list[int], now: str, claim_timeout_seconds: float
) -> dict[str, Any]:
    """Compose and send one batch of a site's digests. Subscribers no longer due (sent meanwhile, claimed by
    another worker, unsubscribed) are left out; each message is claimed in the ledger before it leaves."""
    moment = datetime.fromisoformat(now)
    claim_timeout = timedelta(seconds=claim_timeout_seconds)
    with database.new_session() as db:
        site = db.get(Site, site_id)
        if site is None:
            return {"site": "deleted"}
        due = digest_run.due_subscribers(db, site, moment, claim_timeout, only_ids=subscriber_ids)
        result = digest_run.send_batch(db, site, due, moment, current_app.config, claim_timeout)
    log.info("digest batch of site %s: %s", site_id, result)
    return result
