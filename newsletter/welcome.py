"""The welcome message, sent once after a subscriber confirms: what comes, when, and about what.

It goes through the digest ledger like a digest, under the period key ``welcome``: claim (a unique row per
subscriber), send, mark. Confirming twice finds the row and sends nothing; a confirmation whose welcome
was never sent (the process died, the mail system was down) is picked up by the scheduler's digest job
(:func:`send_pending_welcomes`) for two days after confirming, the same way a digest claim is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsletter.digests import ledger
from newsletter.digests.schedule import current_period
from newsletter.mail import MailBackendError, build_message, make_backend, new_message_id
from newsletter.mail.render import long_date
from newsletter.models import WEEKDAYS, Subscriber
from newsletter.notify import branding_for
from newsletter.subscriptions import links_for, record_bounce
from service.sites import Site

log = logging.getLogger(__name__)

WELCOME_PERIOD = "welcome"
#: how long after confirming a welcome that could not be sent is still worth sending
RETRY_WITHIN = timedelta(days=2)
CLAIM_TIMEOUT = timedelta(minutes=15)


def _clock(hour: int) -> str:
    return f"{hour:02d}:00"


def schedule_sentence(subscriber: Subscriber) -> str:
    """When digests come, in the subscriber's words and time zone (no topics: those are listed apart)."""
    day = WEEKDAYS[subscriber.weekday].capitalize()
    at = f"at {_clock(subscriber.hour)} ({subscriber.time_zone.replace('_', ' ')} time)"
    if subscriber.frequency == "daily":
        return f"Every day {at}, when there is something new for you."
    if subscriber.frequency == "weekly":
        return f"Once a week, on {day} {at}, when there is something new for you."
    return f"Once a month, on the first {day} of the month {at}, when there is something new for you."


def first_digest_text(subscriber: Subscriber, now: datetime) -> str:
    """When the first digest can come: this period's send time, or "within the hour" once it has passed."""
    period = current_period(subscriber.frequency, subscriber.weekday, subscriber.hour, subscriber.time_zone, now)
    if period.send_at <= now:
        return "within the hour, if we have new articles for you."
    local = period.send_at.astimezone(ZoneInfo(subscriber.time_zone))
    return f"{WEEKDAYS[local.weekday()].capitalize()} {long_date(local.date())} at {local:%H:%M}."


def welcome_message(
    subscriber: Subscriber, config: Mapping[str, Any], now: datetime, message_id: str | None = None
) -> Any:
    base_url, secret = config["PUBLIC_BASE_URL"], config["SECRET_KEY"]
    links = links_for(subscriber, base_url, secret)
    return build_message(
        "welcome",
        branding_for(subscriber.site, base_url),
        subscriber.email,
        {
            "schedule": schedule_sentence(subscriber),
            "first_digest": first_digest_text(subscriber, now),
            "topics": subscriber.topics,
            "interest_text": subscriber.interest_text,
            "preferences_url": links["preferences_url"],
        },
        links["one_click_url"],
        links["mailto"],
        now=now,
        message_id=message_id,
    )


def send_welcome(db: Session, subscriber: Subscriber, config: Mapping[str, Any], now: datetime) -> bool:
    """Claim, send and mark the subscriber's welcome; True when this call sent it. Commits.

    Nothing is sent to an address that is not confirmed, nor a second time.
    """
    if subscriber.status != "confirmed":
        return False
    branding = branding_for(subscriber.site, config["PUBLIC_BASE_URL"])
    row = ledger.claim(db, subscriber.site_id, subscriber.id, WELCOME_PERIOD, CLAIM_TIMEOUT, new_message_id(branding))
    if row is None:
        return False
    try:
        with make_backend(config) as backend:
            result = backend.send(welcome_message(subscriber, config, now, message_id=row.message_id))
    except (MailBackendError, OSError) as exc:
        ledger.finish(db, row, ledger.FAILED, detail=f"mail system: {exc}")
        log.error("welcome for subscriber %s of site %s not sent: %s", subscriber.id, subscriber.site.slug, exc)
        return False
    if result.unknown:
        if row.attempts >= ledger.MAX_ATTEMPTS:
            ledger.finish(db, row, ledger.FAILED, detail=f"outcome unknown after {row.attempts} tries: {result.error}")
        else:
            row.detail = f"outcome unknown, tried again after the claim timeout: {result.error}"
            db.commit()
        log.error("welcome for subscriber %s of site %s: outcome unknown", subscriber.id, subscriber.site.slug)
        return False
    if result.ok:
        ledger.finish(db, row, ledger.SENT, message_id=result.message_id)
        log.info("welcome sent to subscriber %s of site %s", subscriber.id, subscriber.site.slug)
        return True
    if result.permanent:
        record_bounce(db, subscriber, result.code, result.error)
    attempts = ledger.MAX_ATTEMPTS if result.permanent else row.attempts
    ledger.finish(db, row, ledger.FAILED, attempts=attempts, detail=f"{result.code}: {result.error}")
    log.error(
        "welcome for subscriber %s of site %s refused (code %s)", subscriber.id, subscriber.site.slug, result.code
    )
    return False


def send_pending_welcomes(db: Session, site: Site, now: datetime, config: Mapping[str, Any]) -> int:
    """Send the welcomes still owed: subscribers confirmed within :data:`RETRY_WITHIN` whose welcome was not
    sent and is not being sent. Returns how many were sent."""
    recent = list(
        db.scalars(
            select(Subscriber).where(
                Subscriber.site_id == site.id,
                Subscriber.status == "confirmed",
                Subscriber.confirmed_at >= now - RETRY_WITHIN,
                Subscriber.confirmed_at <= now,
            )
        )
    )
    settled = ledger.settled_subscribers(db, site.id, {s.id: WELCOME_PERIOD for s in recent}, CLAIM_TIMEOUT)
    sent = 0
    for subscriber in recent:
        if subscriber.id not in settled and send_welcome(db, subscriber, config, now):
            sent += 1
    return sent


def send_all_pending_welcomes(db: Session, now: datetime, config: Mapping[str, Any]) -> int:
    """:func:`send_pending_welcomes` for every site (one site's failure is logged and does not stop the
    others; its welcomes are tried again on the next run). Returns how many were sent."""
    sent = 0
    for site in db.scalars(select(Site).order_by(Site.id)).all():
        try:
            sent += send_pending_welcomes(db, site, now, config)
        except Exception:  # the next run tries again; the digests of this run still go out
            db.rollback()
            log.exception("pending welcomes for site %s failed", site.slug)
    return sent
