"""The subscription lifecycle: double opt-in, confirm, preferences, unsubscribe, bounces, erasure,
suppression and the purge of sign-ups never confirmed.

Functions take a session and plain values; callers commit. Nothing here sends mail
(see :mod:`newsletter.notify`) or logs an address or interests (health data).

Statuses: ``pending`` (asked, not yet confirmed) -> ``confirmed`` -> ``unsubscribed``;
``bounced`` after :data:`BOUNCE_LIMIT` permanent failures; ``complained`` on a spam report.
Anyone not suppressed may sign up again from any status but ``confirmed``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.orm import Session, object_session

from articles.models import Article, ArticleLabel
from newsletter import reading, tokens
from newsletter.inputs import Preferences, Signup, email_hash, normalise_email
from newsletter.models import STATUSES, Interest, ReaderTopic, Subscriber, Suppression
from service import audit
from service.db import utcnow
from service.errors import ApiError
from service.metrics import BOUNCES, COMPLAINTS
from service.sites import Site

log = logging.getLogger(__name__)

BOUNCE_LIMIT = 3
DEFAULT_PENDING_EXPIRY_DAYS = 7
DEFAULT_RESEND_INTERVAL_S = 600


@dataclass(frozen=True)
class SignupResult:
    """What a sign-up did. ``outcome``: created, renewed (pending again), resend, rate_limited,
    already_confirmed or suppressed. ``send_confirmation`` tells the caller to mail a confirm link."""

    outcome: str
    subscriber: Subscriber | None
    send_confirmation: bool


def site_topics(db: Session, site: Site) -> list[str]:
    """Distinct category and tag names of the site's published articles, sorted case-insensitively."""
    rows = db.scalars(
        select(distinct(ArticleLabel.name))
        .join(Article, Article.id == ArticleLabel.article_id)
        .where(Article.site_id == site.id, Article.status == "published")
    )
    return sorted(set(rows), key=str.casefold)


def is_suppressed(db: Session, site_id: int, address_hash: str) -> bool:
    """True when the site must never mail the address with this hash."""
    found = db.scalar(
        select(Suppression.id).where(Suppression.site_id == site_id, Suppression.email_hash == address_hash)
    )
    return found is not None


def _chosen_topics(db: Session, site_id: int, prefs: Preferences) -> list[ReaderTopic]:
    keys = {name.casefold() for name in prefs.topics}
    if not keys:
        return []
    return list(
        db.scalars(
            select(ReaderTopic)
            .where(ReaderTopic.site_id == site_id, ReaderTopic.name_key.in_(keys))
            .order_by(ReaderTopic.position, ReaderTopic.id)
        )
    )


def _apply_preferences(db: Session, subscriber: Subscriber, prefs: Preferences) -> None:
    """Store the choices: names of the site's reader topics become topic references, any other name
    (a category or tag, as subscribers chose before reader topics existed) stays a legacy label."""
    subscriber.frequency = prefs.frequency
    subscriber.weekday = prefs.weekday
    subscriber.hour = prefs.hour
    subscriber.time_zone = prefs.time_zone
    subscriber.interest_text = prefs.interest_text
    subscriber.paused = prefs.paused
    if subscriber.reading_history and not prefs.reading_history and subscriber.id is not None:
        session = object_session(subscriber)
        if session is not None:
            reading.forget(session, subscriber.id)
    subscriber.reading_history = prefs.reading_history
    chosen = _chosen_topics(db, subscriber.site_id, prefs)
    subscriber.reader_topics = chosen
    wanted = {name for name in prefs.topics if name.casefold() not in {t.name_key for t in chosen}}
    subscriber.interests = [i for i in subscriber.interests if i.topic in wanted] + [
        Interest(topic=t) for t in sorted(wanted - {i.topic for i in subscriber.interests})
    ]


def preferences_of(subscriber: Subscriber) -> Preferences:
    return Preferences(
        topics=subscriber.topics,
        interest_text=subscriber.interest_text,
        frequency=subscriber.frequency,
        weekday=subscriber.weekday,
        hour=subscriber.hour,
        time_zone=subscriber.time_zone,
        paused=subscriber.paused,
        reading_history=bool(subscriber.reading_history),
    )


def _start_pending(db: Session, subscriber: Subscriber, signup: Signup, now: datetime, ip: str | None) -> None:
    subscriber.status = "pending"
    subscriber.requested_at = now
    subscriber.confirmed_at = None
    subscriber.confirm_sent_at = now
    subscriber.confirm_due_at = now  # sent after the response (newsletter.confirmations)
    subscriber.consent_at = now
    subscriber.consent_source = signup.source
    subscriber.consent_text = signup.consent_text
    subscriber.consent_ip = ip
    subscriber.bounce_count = 0
    _apply_preferences(db, subscriber, signup.preferences)


def request_subscription(
    db: Session,
    site: Site,
    signup: Signup,
    now: datetime,
    ip: str | None = None,
    resend_interval_s: int = DEFAULT_RESEND_INTERVAL_S,
) -> SignupResult:
    """Record a sign-up (double opt-in). The caller answers the same whatever the outcome.

    A confirmed address is left as it is and gets no email (the form is unauthenticated: it must
    not change a confirmed person's choices, nor let anyone mail them at will). A pending one has
    its choices replaced and its confirmation re-sent at most once per ``resend_interval_s``.
    ``ip`` is stored with the consent only when given (the site's ``store_consent_ip``).
    """
    address_hash = email_hash(signup.email)
    # every outcome runs the same lookups (suppression, subscriber, chosen topics), so that the time taken
    # says little about the address
    suppressed = is_suppressed(db, site.id, address_hash)
    subscriber = db.scalar(select(Subscriber).where(Subscriber.site_id == site.id, Subscriber.email == signup.email))
    _chosen_topics(db, site.id, signup.preferences)
    if suppressed:
        return SignupResult("suppressed", None, False)
    if subscriber is None:
        subscriber = Subscriber(site_id=site.id, email=signup.email, email_hash=address_hash, created_at=now)
        subscriber.interests = []
        subscriber.reader_topics = []
        _start_pending(db, subscriber, signup, now, ip)
        db.add(subscriber)
        db.flush()
        return SignupResult("created", subscriber, True)
    if subscriber.status == "confirmed":
        return SignupResult("already_confirmed", subscriber, False)
    if subscriber.status != "pending":
        _start_pending(db, subscriber, signup, now, ip)
        return SignupResult("renewed", subscriber, True)
    _apply_preferences(db, subscriber, signup.preferences)
    last = subscriber.confirm_sent_at
    if last is not None and (now - last).total_seconds() < resend_interval_s:
        return SignupResult("rate_limited", subscriber, False)
    _start_pending(db, subscriber, signup, now, ip)
    return SignupResult("resend", subscriber, True)


def confirmation_failed(subscriber: Subscriber) -> None:
    """The confirmation could not be sent: let the next sign-up attempt try again at once."""
    subscriber.confirm_sent_at = None
    subscriber.confirm_due_at = None


def confirm(subscriber: Subscriber, now: datetime) -> bool:
    """Confirm a pending subscription; True if it is confirmed afterwards (already confirmed counts)."""
    if subscriber.status == "pending":
        subscriber.status = "confirmed"
        subscriber.confirmed_at = now
        subscriber.unsubscribed_at = None
    return subscriber.status == "confirmed"


def forget_choices(subscriber: Subscriber) -> None:
    """Delete what the subscriber told us about their health (topics, legacy interests, free text) and their
    reading history. What stays is what stopping mail needs: the address, its status and the consent record."""
    db = object_session(subscriber)
    subscriber.interests = []
    subscriber.reader_topics = []
    subscriber.interest_text = None
    if db is not None and subscriber.id is not None:
        reading.forget(db, subscriber.id)
    subscriber.reading_history = False
    subscriber.confirm_due_at = None


def unsubscribe(subscriber: Subscriber, now: datetime) -> None:
    """Stop all mail to the subscriber at once and forget their choices; final until they sign up again.
    Idempotent."""
    if subscriber.status in ("pending", "confirmed"):
        subscriber.status = "unsubscribed"
        subscriber.unsubscribed_at = now
    forget_choices(subscriber)


def update_preferences(subscriber: Subscriber, prefs: Preferences) -> None:
    """Replace the subscriber's choices (interests, schedule, time zone, pause)."""
    db = object_session(subscriber)
    if db is None:
        raise RuntimeError("update_preferences needs a subscriber loaded in a session")
    _apply_preferences(db, subscriber, prefs)


def record_bounce(db: Session, subscriber: Subscriber, code: int | None, message: str | None = None) -> bool:
    """Record a delivery failure. Permanent ones (5xx) count; after :data:`BOUNCE_LIMIT` the subscriber is
    marked ``bounced``. Returns True when this call marked them bounced. ``message`` is not stored (it can
    quote the address); only the code and time are."""
    if code is None or not 500 <= code < 600:
        return False
    BOUNCES.inc()
    subscriber.bounce_count = (subscriber.bounce_count or 0) + 1
    subscriber.last_bounce_at = utcnow()
    subscriber.last_bounce_code = code
    if subscriber.bounce_count >= BOUNCE_LIMIT and subscriber.status != "bounced":
        subscriber.status = "bounced"
        log.info("subscriber %s marked bounced after %d permanent failures", subscriber.id, subscriber.bounce_count)
        return True
    db.flush()
    return False


def record_complaint(db: Session, subscriber: Subscriber) -> None:
    """A spam complaint: stop all mail (status ``complained``) and forget the subscriber's choices."""
    COMPLAINTS.inc()
    subscriber.status = "complained"
    subscriber.unsubscribed_at = utcnow()
    forget_choices(subscriber)
    db.flush()


def erase(db: Session, site: Site, subscriber_id: int) -> str:
    """Delete a subscriber and everything about them (interests and any row that cascades); 404 if not the
    site's. Right to erasure: nothing of the address is kept (use :func:`suppress` to also block it). Returns
    the address, for the caller to delete the outbox's copies of mail to it once this is committed."""
    subscriber = db.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.site_id != site.id:
        raise ApiError(404, "unknown_subscriber", f"No subscriber {subscriber_id}.")
    address = subscriber.email
    db.delete(subscriber)
    db.flush()
    log.info("subscriber %s of site %s erased", subscriber_id, site.slug)
    audit.record(
        db, site.id, "erasure", "erased", f"subscriber {subscriber_id} and everything about them", subscriber_id
    )
    return address


def suppress(db: Session, site: Site, raw_email: str, reason: str = "editor") -> tuple[Suppression, bool]:
    """Never mail the address again, even if it signs up again. Stores only its hash and deletes any
    subscriber record of it. Returns (suppression, created). Raises ValueError for a bad address."""
    address_hash = email_hash(normalise_email(raw_email))
    db.execute(delete(Subscriber).where(Subscriber.site_id == site.id, Subscriber.email_hash == address_hash))
    existing = db.scalar(
        select(Suppression).where(Suppression.site_id == site.id, Suppression.email_hash == address_hash)
    )
    if existing is not None:
        return existing, False
    suppression = Suppression(site_id=site.id, email_hash=address_hash, reason=reason)
    db.add(suppression)
    db.flush()
    log.info("an address was suppressed for site %s", site.slug)
    return suppression, True


def purge_expired_pending(db: Session, now: datetime, days: int = DEFAULT_PENDING_EXPIRY_DAYS) -> int:
    """Delete sign-ups still pending ``days`` after they were asked for (callers pass the PENDING_EXPIRY_DAYS
    setting). Returns how many were deleted. For the scheduler's purge job and the purge command."""
    cutoff = now - timedelta(days=days)
    ids = list(
        db.scalars(select(Subscriber.id).where(Subscriber.status == "pending", Subscriber.requested_at < cutoff))
    )
    for start in range(0, len(ids), 500):
        db.execute(delete(Interest).where(Interest.subscriber_id.in_(ids[start : start + 500])))
        db.execute(delete(Subscriber).where(Subscriber.id.in_(ids[start : start + 500])))
    if ids:
        log.info("purged %d expired pending subscriptions", len(ids))
    return len(ids)


def status_counts(db: Session, site: Site) -> dict[str, int]:
    rows = db.execute(
        select(Subscriber.status, func.count()).where(Subscriber.site_id == site.id).group_by(Subscriber.status)
    )
    counts = {status: 0 for status in STATUSES}
    counts.update({status: n for status, n in rows})
    return counts


def token_for(subscriber: Subscriber, purpose: str, secret: str) -> str:
    return tokens.make_token(secret, purpose, subscriber.site_id, subscriber.id, subscriber.email_hash)


class EmailLinks(TypedDict):
    preferences_url: str
    unsubscribe_url: str
    one_click_url: str
    mailto: str | None


def links_for(subscriber: Subscriber, base_url: str, secret: str) -> EmailLinks:
    """The links every email to this subscriber carries.

    ``one_click_url`` is for the ``List-Unsubscribe`` header: it answers an RFC 8058 POST
    (``List-Unsubscribe=One-Click``) and shows the unsubscribe page on GET. ``mailto`` is the site's
    ``unsubscribe_mailto`` setting (None unless a person reads that mailbox).
    """
    base = f"{base_url.rstrip('/')}/newsletter/{subscriber.site.slug}"
    unsubscribe_token = token_for(subscriber, "unsubscribe", secret)
    mailto = subscriber.site.setting("unsubscribe_mailto") or None
    return {
        "preferences_url": f"{base}/preferences/{token_for(subscriber, 'preferences', secret)}",
        "unsubscribe_url": f"{base}/unsubscribe/{unsubscribe_token}",
        "one_click_url": f"{base}/unsubscribe/{unsubscribe_token}/one-click",
        "mailto": mailto,
    }


def subscriber_from_token(
    db: Session, site: Site, purpose: str, token: str, secret: str, max_age_s: int, now: datetime | None = None
) -> Subscriber:
    """The subscriber a link names; raises :class:`tokens.TokenError` for a tampered, expired,
    wrong-purpose or other-site token, or one whose subscriber is gone or has another address."""
    data = tokens.read_token(secret, purpose, token, max_age_s, now)
    if data.site_id != site.id:
        raise tokens.TokenError(404, "other_site", "This link does not belong to this clinic.")
    subscriber = db.get(Subscriber, data.subscriber_id)
    if subscriber is None or subscriber.site_id != site.id or not data.matches(subscriber.email_hash):
        raise tokens.TokenError(404, "unknown", "We have no subscription for this link any more.")
    return subscriber
