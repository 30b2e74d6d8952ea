"""Fixed-window request counters kept in the database, so that a limit holds across every web worker.

A counter is one row per bucket (a limit's name and a hashed subject: a client address, a site, an email
address); :func:`hit` adds one in a single atomic upsert and returns the count in the current window. Subjects
are stored as keyed hashes, never in clear. Flask-Limiter's storages (memory, Redis, Memcached, MongoDB) have no
SQL backend, and the stack runs on its database alone, so the counters live here.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, String, Table, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, UTCDateTime


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"

    #: ``<limit name>:<HMAC-SHA-256 of the subject>``
    bucket: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    hits: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``per_s`` seconds for each subject of the limit ``name``."""

    name: str
    count: int
    per_s: int


def bucket_for(limit: Limit, subject: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{limit.name}\0{subject}".encode(), hashlib.sha256).hexdigest()
    return f"{limit.name}:{digest[:64]}"


def _window_start(now: datetime, per_s: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % per_s, UTC)


def hit(db: Session, limit: Limit, subject: str, secret: str, now: datetime) -> int:
    """Count one hit for ``subject`` and return the hits in the current window (this one included).
    Does not commit: the caller commits with the rest of the request's work."""
    start = _window_start(now, limit.per_s)
    values = {"bucket": bucket_for(limit, subject, secret), "window_start": start, "hits": 1}
    table = RateLimitCounter.__table__
    assert isinstance(table, Table)
    insert = postgresql.insert(table) if db.get_bind().dialect.name == "postgresql" else sqlite.insert(table)
    same_window = table.c.window_start == insert.excluded.window_start
    statement = insert.values(values).on_conflict_do_update(
        index_elements=[table.c.bucket],
        set_={
            "hits": case((same_window, table.c.hits + 1), else_=1),
            "window_start": insert.excluded.window_start,
        },
    )
    result = db.execute(statement.returning(table.c.hits))
    return int(result.scalar_one())


def over_limit(db: Session, limits: list[tuple[Limit, str]], secret: str, now: datetime) -> Limit | None:
    """Count one hit in every (limit, subject) pair; the first limit now exceeded, or None. Every counter is
    counted whether or not an earlier one is exceeded, so every request does the same work."""
    exceeded = None
    for limit, subject in limits:
        if hit(db, limit, subject, secret, now) > limit.count and exceeded is None:
            exceeded = limit
    return exceeded


def purge_stale_counters(db: Session, now: datetime, older_than: timedelta = timedelta(days=2)) -> int:
    """Delete counters whose window ended long ago (housekeeping for the hourly purge job)."""
    result = db.execute(delete(RateLimitCounter).where(RateLimitCounter.window_start < now - older_than))
    return int(getattr(result, "rowcount", 0) or 0)
