"""The scheduled tasks: each calls one domain function and returns its result as the run's summary.

``jobs.runner.run_job`` gives every task an open session (committed after the task, rolled back on failure), the
current time (aware UTC) and the app's settings, and records the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from articles.feeds.polling import poll_due_feeds
from articles.related.pending import drain as drain_pending
from articles.related.scheduled import queue_due
from articles.related.updates import refit_all_sites
from jobs import queue
from jobs.history import prune_job_runs
from newsletter.confirmations import send_all_owed_confirmations
from newsletter.digests import run as digest_run
from newsletter.import_jobs import run_queued_imports
from newsletter.subscriptions import purge_expired_pending
from newsletter.welcome import send_all_pending_welcomes
from service.rate_limits import purge_stale_counters


def send_due_digests(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    """Confirmations and welcomes still owed first (a new subscriber hears what comes before it comes), then the
    digests."""
    confirmations = send_all_owed_confirmations(db, now, config)
    welcomes = send_all_pending_welcomes(db, now, config)
    results = digest_run.send_due_digests(db, now, config)
    if confirmations:
        results["confirmations_sent"] = confirmations
    if welcomes:
        results["welcomes_sent"] = welcomes
    return results


def fan_out_digests(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    """What a worker does for the sending job: confirmations and welcomes still owed, then the due subscribers
    split into batches (``DIGEST_BATCH_SIZE``), each enqueued as a task that any worker composes and sends."""
    results: dict[str, Any] = {
        "confirmations_sent": send_all_owed_confirmations(db, now, config),
        "welcomes_sent": send_all_pending_welcomes(db, now, config),
    }
    db.commit()
    claim_timeout = timedelta(seconds=int(config["DIGEST_CLAIM_TIMEOUT_S"]))
    results.update(enqueue_digest_batches(db, now, config, claim_timeout))
    return results


def enqueue_digest_batches(
    db: Session, now: datetime, config: Mapping[str, Any], claim_timeout: timedelta = digest_run.DEFAULT_CLAIM_TIMEOUT
) -> dict[str, int]:
    """Enqueue one ``send_digest_batch`` task per batch of due subscribers as the planning reads them (a batch
    is on the broker before the next page of subscribers is read); returns how many of each."""
    batches = due = 0
    planned = digest_run.plan_batches(
        db, now, int(config["DIGEST_BATCH_SIZE"]), claim_timeout, int(config["DIGEST_PLAN_PAGE_SIZE"])
    )
    for site_id, subscriber_ids in planned:
        queue.enqueue(
            queue.SEND_DIGEST_BATCH,
            site_id=site_id,
            subscriber_ids=subscriber_ids,
            now=now.isoformat(),
            claim_timeout_seconds=claim_timeout.total_seconds(),
        )
        batches, due = batches + 1, due + len(subscriber_ids)
    return {"batches": batches, "due": due}


def poll_feeds(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return poll_due_feeds(db, now, config)


def refit_indexes(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    return refit_all_sites(db)


def purge_pending_subscribers(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    purged = purge_expired_pending(db, now, config["PENDING_EXPIRY_DAYS"])
    return {
        "purged": purged,
        "stale_rate_counters": purge_stale_counters(db, now),
        "old_job_runs": prune_job_runs(db, now),
    }


def drain_related(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    """The fallback of the ``flask related work`` worker: queued related work never waits for ever."""
    return drain_pending(db, budget_seconds=45.0)


def import_subscribers(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    """The subscriber imports too large for a request, in the order they were asked for."""
    return run_queued_imports(db, now, config)


def publish_scheduled(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    """Queue the articles whose scheduled publishing time has come; the drainer adds them to the lists."""
    return {"queued_by_site": queue_due(db, now)}
