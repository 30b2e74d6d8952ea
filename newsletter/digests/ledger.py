"""The digest ledger: one row per (site, subscriber, period), claimed before a message leaves.

The unique constraint makes a period's digest single: a second run finds the row and sends nothing.
A run that dies between claiming and marking leaves a ``claimed`` row; a later run takes it over once
the claim is older than the claim timeout, so nobody due is skipped because a job crashed.

The message's Message-ID is chosen when the row is first claimed and committed with the claim; every later
try of that row sends under the same Message-ID. A try may repeat a message the server had already accepted
(the sender died after the server's answer, or the answer was lost), and receivers drop such a copy by its
Message-ID.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, UTCDateTime, utcnow

CLAIMED, SENT, SKIPPED, FAILED = "claimed", "sent", "skipped", "failed"
#: a temporary failure is retried by later runs up to this many attempts, then recorded as failed
MAX_ATTEMPTS = 3


class DigestSend(Base):
    __tablename__ = "digest_sends"
    __table_args__ = (
        UniqueConstraint("site_id", "subscriber_id", "period"),
        Index("ix_digest_sends_site_period", "site_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default=CLAIMED)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(300))
    article_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    detail: Mapped[str | None] = mapped_column(Text)


class SentArticle(Base):
    """An article a subscriber has been sent, so it is never sent to them again."""

    __tablename__ = "digest_items"

    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestRun(Base):
    """What one run of the sending job did for one site: the editors' per-period report."""

    __tablename__ = "digest_runs"
    __table_args__ = (Index("ix_digest_runs_site_started", "site_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


def settled_subscribers(db: Session, site_id: int, periods: dict[int, str], claim_timeout: timedelta) -> set[int]:
    """Subscribers (of ``periods``: id → period) whose period needs nothing more: done, or claimed recently.

    Claims are timed by the wall clock (not the run's "now", which tests and catch-up runs may set).
    """
    stale_before = utcnow() - claim_timeout
    done: set[int] = set()
    ids = list(periods)
    for start in range(0, len(ids), 5000):
        rows = db.execute(
            select(
                DigestSend.subscriber_id,
                DigestSend.period,
                DigestSend.status,
                DigestSend.claimed_at,
                DigestSend.attempts,
            ).where(DigestSend.site_id == site_id, DigestSend.subscriber_id.in_(ids[start : start + 5000]))
        )
        for subscriber_id, period, status, claimed_at, attempts in rows:
            if period != periods[subscriber_id]:
                continue
            retryable = (status == CLAIMED and claimed_at < stale_before) or (
                status == FAILED and attempts < MAX_ATTEMPTS and claimed_at < stale_before
            )
            if not retryable:
                done.add(subscriber_id)
    return done


def claim(
    db: Session, site_id: int, subscriber_id: int, period: str, claim_timeout: timedelta, message_id: str
) -> DigestSend | None:
    """Claim the period's digest (committed at once), or None when another run holds or finished it.

    ``message_id`` is stored with a first claim; a row taken over keeps the Message-ID it was first claimed
    with (``row.message_id``), which the message must carry.
    """
    now = utcnow()
    try:
        row = DigestSend(
            site_id=site_id,
            subscriber_id=subscriber_id,
            period=period,
            status=CLAIMED,
            claimed_at=now,
            attempts=1,
            message_id=message_id,
        )
        db.add(row)
        db.commit()
        return row
    except IntegrityError:
        db.rollback()
    reclaim = (
        update(DigestSend)
        .where(
            DigestSend.site_id == site_id,
            DigestSend.subscriber_id == subscriber_id,
            DigestSend.period == period,
            DigestSend.claimed_at < now - claim_timeout,
            (DigestSend.status == CLAIMED) | ((DigestSend.status == FAILED) & (DigestSend.attempts < MAX_ATTEMPTS)),
        )
        .values(
            status=CLAIMED,
            claimed_at=now,
            attempts=DigestSend.attempts + 1,
            message_id=func.coalesce(DigestSend.message_id, message_id),
        )
    )
    # Session.execute is typed as returning a Result; an UPDATE's is a CursorResult, which has the rowcount.
    taken = cast(CursorResult[Any], db.execute(reclaim))
    db.commit()
    if taken.rowcount != 1:
        return None
    return db.scalar(
        select(DigestSend).where(
            DigestSend.site_id == site_id, DigestSend.subscriber_id == subscriber_id, DigestSend.period == period
        )
    )


def finish(db: Session, row: DigestSend, status: str, **values: Any) -> None:
    """Record how the claimed period ended (sent, skipped or failed) and commit."""
    row.status, row.finished_at = status, utcnow()
    for name, value in values.items():
        setattr(row, name, value)
    db.commit()


def sent_article_ids(db: Session, subscriber_ids: list[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {i: set() for i in subscriber_ids}
    for start in range(0, len(subscriber_ids), 5000):
        rows = db.execute(
            select(SentArticle.subscriber_id, SentArticle.article_id).where(
                SentArticle.subscriber_id.in_(subscriber_ids[start : start + 5000])
            )
        )
        for subscriber_id, article_id in rows:
            out[subscriber_id].add(article_id)
    return out
