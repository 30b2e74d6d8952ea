"""Confirmation emails owed: recorded with the sign-up, sent after the response (or by the digest job).

The sign-up answers without sending (a new address and a known one then take the same time): it sets
``confirm_due_at``. :func:`send_owed_confirmation` claims that mark atomically (one sender wins between the web
worker and the job), commits, then sends. A failed send puts the mark back so the job tries again, for up to
:data:`RETRY_WITHIN` after the sign-up. A process that dies between the claim and the send loses that one email
(at most once); the person can sign up again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsletter import notify
from newsletter.models import Subscriber
from newsletter.subscriptions import confirmation_failed

log = logging.getLogger(__name__)

RETRY_WITHIN = timedelta(days=1)


def send_owed_confirmation(db: Session, config: Mapping[str, Any], subscriber_id: int, now: datetime) -> bool:
    """Send the confirmation owed to one subscriber, if it still is; True when this call sent it. Commits."""
    due = db.scalar(
        select(Subscriber.confirm_due_at).where(Subscriber.id == subscriber_id, Subscriber.status == "pending")
    )
    if due is None:
        return False
    claimed = db.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber_id, Subscriber.confirm_due_at == due)
        .values(confirm_due_at=None)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    if getattr(claimed, "rowcount", 0) != 1:
        return False  # another process claimed it
    subscriber = db.get(Subscriber, subscriber_id)
    if subscriber is None:
        return False
    if notify.send_confirmation(config, subscriber, now):
        return True
    confirmation_failed(subscriber)
    if now - due < RETRY_WITHIN:
        subscriber.confirm_due_at = due
    db.commit()
    return False


def send_all_owed_confirmations(db: Session, now: datetime, config: Mapping[str, Any]) -> int:
    """Every confirmation still owed (signed up within :data:`RETRY_WITHIN`); returns how many were sent."""
    ids = list(
        db.scalars(
            select(Subscriber.id)
            .where(
                Subscriber.confirm_due_at.is_not(None),
                Subscriber.confirm_due_at > now - RETRY_WITHIN,
                Subscriber.status == "pending",
            )
            .order_by(Subscriber.id)
        )
    )
    return sum(send_owed_confirmation(db, config, subscriber_id, now) for subscriber_id in ids)
