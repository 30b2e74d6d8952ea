"""Recent clicks, remembered briefly so that one visitor following one link again soon counts once.

A click is keyed by an HMAC (with the app's secret key) of the link and the visitor (address and user
agent): the table holds no address, and a key cannot be turned back into one. Rows older than
``REPLAY_WINDOW`` are deleted as new clicks arrive.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, UTCDateTime, utcnow

REPLAY_WINDOW = timedelta(minutes=5)


class ClickReplay(Base):
    """A link followed by one visitor at ``at`` (a keyed hash; no address is stored)."""

    __tablename__ = "click_replays"
    __table_args__ = (Index("ix_click_replays_at", "at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def visitor_key(secret_key: str, link: str, address: str, user_agent: str) -> str:
    message = "\x1f".join((link, address, user_agent)).encode("utf-8", "replace")
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def first_in_window(db: Session, key: str, now: datetime | None = None) -> bool:
    """True when ``key`` was not seen within ``REPLAY_WINDOW`` (and remember it now). Does not commit."""
    now = now or utcnow()
    since = now - REPLAY_WINDOW
    db.execute(delete(ClickReplay).where(ClickReplay.at < since))
    if db.scalar(select(ClickReplay.at).where(ClickReplay.key == key)) is not None:
        return False
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(ClickReplay).values(key=key, at=now).on_conflict_do_nothing().returning(ClickReplay.key)
    return db.execute(statement).first() is not None  # None: another worker took it a moment ago
