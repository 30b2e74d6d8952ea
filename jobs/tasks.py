"""The scheduled tasks: each calls one domain function and returns its result as the run's summary.

``jobs.runner.run_job`` gives every task an open session (committed after the task, rolled back on failure), the
current time (aware UTC) and the app's settings, and records the run. Domain modules are imported inside each
task, so this module imports whether or not they have landed yet (the registry checks they import).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


def send_due_digests(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    from newsletter.digests.run import send_due_digests as send

    return send(db, now, config)


def poll_feeds(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    from articles.feeds.polling import poll_due_feeds

    return poll_due_feeds(db, now, config)


def refit_indexes(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    from articles.related.updates import refit_all_sites

    return refit_all_sites(db)


def purge_pending_subscribers(db: Session, now: datetime, config: Mapping[str, Any]) -> Any:
    from newsletter.subscriptions import purge_expired_pending

    return {"purged": purge_expired_pending(db, now, config["PENDING_EXPIRY_DAYS"])}
