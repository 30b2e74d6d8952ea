"""Subscribers of a clinic's digest, their interests, and suppressed addresses.

For the digest sender (``newsletter.digests``): a subscriber is due for mail only when
``status == "confirmed"`` and ``paused`` is false. Their schedule is ``frequency``
(daily/weekly/monthly), ``weekday`` (0 = Monday ... 6 = Sunday; a monthly digest is
sent on the first such weekday of the month), ``hour`` (0-23) in
``time_zone`` (an IANA name, already validated). ``reader_topics`` are the site's curated
:class:`ReaderTopic` rows the reader chose; ``labels`` are legacy interests named after the
articles' categories/tags (still matched); ``interest_text`` is optional free text.
Both are health data: never log them, never put them in URLs or subjects.
Build unsubscribe/preferences links with :func:`newsletter.subscriptions.links_for`
and report permanent failures with :func:`newsletter.subscriptions.record_bounce`.

Tables that hold rows about a subscriber must reference ``subscribers.id`` with
``ondelete="CASCADE"`` so that erasure (``DELETE /api/v1/subscribers/<id>``) removes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.sites import Site

STATUSES = ("pending", "confirmed", "unsubscribed", "bounced", "complained")
FREQUENCIES = ("daily", "weekly", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ReaderTopic(Base):
    """A topic in a reader's words ("Back and neck pain"), curated by the site's editors.

    ``match_terms`` (words and phrases) and ``labels`` (article tags/categories) are what the topic is
    matched by; the name and description are matched too. ``name_key`` (the casefolded name) keeps names
    unique per site whatever their case.
    """

    __tablename__ = "reader_topics"
    __table_args__ = (
        UniqueConstraint("site_id", "name_key"),
        Index("ix_reader_topics_site_position", "site_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(200))
    match_terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    labels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def query_text(self) -> str:
        """The text a digest matches this topic by: name, description, match terms and labels."""
        parts = [self.name, self.description or "", *self.match_terms, *self.labels]
        return " ".join(part for part in parts if part)


#: which reader topics a subscriber follows; erasing the subscriber (or deleting the topic) removes the row.
subscriber_topics = Table(
    "subscriber_topics",
    Base.metadata,
    Column("subscriber_id", ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("reader_topics.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_subscriber_topics_topic_id", "topic_id"),
)


class Subscriber(Base):
    """One email address subscribed to one site's digest (the address is unique per site)."""

    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("site_id", "email"),
        Index("ix_subscribers_site_status_id", "site_id", "status", "id"),
        # an id names a person in signed links and logs: SQLite without AUTOINCREMENT would give an erased
        # subscriber's id to the next one (PostgreSQL sequences never go back)
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    #: normalised with email-validator, then lower-cased as a whole.
    email: Mapped[str] = mapped_column(String(320))
    #: SHA-256 of ``email``; carried in signed links so a re-used id cannot match another address.
    email_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    frequency: Mapped[str] = mapped_column(String(8), default="weekly")
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    hour: Mapped[int] = mapped_column(Integer, default=8)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: a confirmed subscriber who asked for a break: keep the subscription, send nothing.
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    interest_text: Mapped[str | None] = mapped_column(String(200))
    #: the reader allows their digest clicks to be counted and to shape their next digests (off by default)
    reading_history: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the current sign-up was asked for; pending rows older than PENDING_EXPIRY_DAYS are purged.
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: last confirmation email (re-sending is rate-limited).
    confirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a confirmation email is owed since then: recorded at sign-up, sent after the response (or by the job)
    confirm_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: consent record: when, through which form, the exact wording shown, and (only if the site stores it) the IP.
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent_source: Mapped[str] = mapped_column(String(100), default="form")
    consent_text: Mapped[str | None] = mapped_column(Text)
    consent_ip: Mapped[str | None] = mapped_column(String(45))
    #: permanent (5xx) delivery failures since the last successful sign-up; 3 mark the address bounced.
    bounce_count: Mapped[int] = mapped_column(Integer, default=0)
    last_bounce_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_bounce_code: Mapped[int | None] = mapped_column(Integer)
    #: when the digest sender last mailed this subscriber (set by newsletter/digests.py).
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(lazy="joined")
    interests: Mapped[list[Interest]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", lazy="selectin"
    )
    reader_topics: Mapped[list[ReaderTopic]] = relationship(
        secondary=subscriber_topics, lazy="selectin", order_by=(ReaderTopic.position, ReaderTopic.id)
    )

    @property
    def labels(self) -> list[str]:
        """Legacy interests named after the site's categories/tags, sorted case-insensitively."""
        return sorted((interest.topic for interest in self.interests), key=str.casefold)

    @property
    def topics(self) -> list[str]:
        """Everything the reader follows by name: their reader topics in the site's order, then legacy labels."""
        return [topic.name for topic in self.reader_topics] + self.labels

    @property
    def is_active(self) -> bool:
        """True when a digest may be sent now (confirmed and not paused)."""
        return self.status == "confirmed" and not self.paused


class Interest(Base):
    """A legacy interest: the name of one of the site's categories or tags, matched as it always was."""

    __tablename__ = "subscriber_interests"
    __table_args__ = (Index("ix_subscriber_interests_topic", "topic"),)

    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="interests")


class Suppression(Base):
    """An address a site must never mail again, kept only as the SHA-256 of the normalised address."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("site_id", "email_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    email_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32), default="editor")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


__all__ = [
    "FREQUENCIES",
    "STATUSES",
    "WEEKDAYS",
    "Interest",
    "ReaderTopic",
    "Subscriber",
    "Suppression",
    "subscriber_topics",
]
