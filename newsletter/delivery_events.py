"""Bounces and complaints reported after the SMTP conversation (by a mail provider's webhook).

A hard (permanent) bounce and a spam complaint stop all mail to the address at once: the subscriber's
status becomes ``bounced`` or ``complained`` and the address's hash is added to the site's suppressions
(reason ``bounce`` or ``complaint``), so a later sign-up is refused too. The subscriber row stays, so the
admin counts show what happened; erasure still deletes it. A soft (temporary) bounce is counted like a
refusal during sending (:func:`newsletter.subscriptions.record_bounce`).

An event names a site (its slug) when the sender knows it; otherwise it applies to every site that has a
subscriber with the address. Nothing here logs an address.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.inputs import InvalidEmail, email_hash, normalise_email
from newsletter.models import Subscriber, Suppression
from newsletter.subscriptions import record_bounce, record_complaint
from service.db import utcnow
from service.sites import Site

log = logging.getLogger(__name__)

EventKind = Literal["hard_bounce", "soft_bounce", "complaint"]

#: the SMTP code stored for a hard bounce that did not report one
DEFAULT_HARD_BOUNCE_CODE = 550


@dataclass(frozen=True)
class DeliveryEvent:
    """One recipient's bounce or complaint, whatever format it arrived in."""

    kind: EventKind
    email: str
    site_slug: str | None = None
    smtp_code: int | None = None


def _suppress_hash(db: Session, site_id: int, address_hash: str, reason: str) -> None:
    exists = db.scalar(
        select(Suppression.id).where(Suppression.site_id == site_id, Suppression.email_hash == address_hash)
    )
    if exists is None:
        db.add(Suppression(site_id=site_id, email_hash=address_hash, reason=reason))
        db.flush()


def _apply_one(db: Session, event: DeliveryEvent, address_hash: str, site_ids: list[int] | None) -> str:
    """Apply ``event`` to the subscribers with ``address_hash`` (on ``site_ids``, or any site); the outcome."""
    query = select(Subscriber).where(Subscriber.email_hash == address_hash)
    if site_ids is not None:
        query = query.where(Subscriber.site_id.in_(site_ids))
    subscribers = list(db.scalars(query))
    if event.kind == "soft_bounce":
        for subscriber in subscribers:
            record_bounce(db, subscriber, event.smtp_code if event.smtp_code else 450)
        return "soft_bounce" if subscribers else "unknown_address"
    reason = "bounce" if event.kind == "hard_bounce" else "complaint"
    for subscriber in subscribers:
        if event.kind == "complaint":
            record_complaint(db, subscriber)
        else:
            subscriber.bounce_count = (subscriber.bounce_count or 0) + 1
            subscriber.last_bounce_at = utcnow()
            subscriber.last_bounce_code = event.smtp_code or DEFAULT_HARD_BOUNCE_CODE
            subscriber.status = "bounced"
    for site_id in sorted({s.site_id for s in subscribers} | set(site_ids or ())):
        _suppress_hash(db, site_id, address_hash, reason)
    log.info("%s recorded for %d subscriber(s)", reason, len(subscribers))
    if not subscribers and not site_ids:
        return "unknown_address"
    return "suppressed"


def apply_delivery_events(db: Session, events: Iterable[DeliveryEvent]) -> dict[str, int]:
    """Record every event; the caller commits. Returns how many events had each outcome:
    ``suppressed`` (hard bounce or complaint), ``soft_bounce``, ``unknown_address`` (no subscriber, no site
    named), ``unknown_site`` (a slug this deployment does not have) and ``invalid_address``."""
    outcomes: Counter[str] = Counter()
    sites = {site.slug: site.id for site in db.scalars(select(Site))}
    for event in events:
        if event.site_slug is not None and event.site_slug not in sites:
            outcomes["unknown_site"] += 1
            continue
        try:
            address_hash = email_hash(normalise_email(event.email))
        except InvalidEmail:
            outcomes["invalid_address"] += 1
            continue
        site_ids = [sites[event.site_slug]] if event.site_slug is not None else None
        outcomes[_apply_one(db, event, address_hash, site_ids)] += 1
    return {
        name: outcomes[name]
        for name in ("suppressed", "soft_bounce", "unknown_address", "unknown_site", "invalid_address")
    }
