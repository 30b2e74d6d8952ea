"""Subscriber counts by status and how they moved over the last 7 and 30 days (the dashboard's card)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from newsletter.models import STATUSES, Subscriber
from service.sites import Site

WINDOWS = (7, 30)


@dataclass(frozen=True)
class Growth:
    """Counts now, and per window (days): sign-ups, confirmations and unsubscribes within it."""

    by_status: dict[str, int]
    signed_up: dict[int, int]
    confirmed: dict[int, int]
    unsubscribed: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def _since(db: Session, site: Site, column: InstrumentedAttribute[Any], start: datetime) -> int:
    query = select(func.count()).select_from(Subscriber).where(Subscriber.site_id == site.id, column >= start)
    return int(db.scalar(query) or 0)


def subscriber_growth(db: Session, site: Site, now: datetime) -> Growth:
    rows = db.execute(
        select(Subscriber.status, func.count()).where(Subscriber.site_id == site.id).group_by(Subscriber.status)
    )
    by_status = dict.fromkeys(STATUSES, 0)
    by_status.update({status: int(count) for status, count in rows})
    starts = {days: now - timedelta(days=days) for days in WINDOWS}
    return Growth(
        by_status=by_status,
        signed_up={d: _since(db, site, Subscriber.created_at, s) for d, s in starts.items()},
        confirmed={d: _since(db, site, Subscriber.confirmed_at, s) for d, s in starts.items()},
        unsubscribed={d: _since(db, site, Subscriber.unsubscribed_at, s) for d, s in starts.items()},
    )
