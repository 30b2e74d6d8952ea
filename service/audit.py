"""The audit log: who did what to a site, and when (article edits, pins, blocks, never-pairs, settings, keys,
editors, erasures).

Domain functions call :func:`record` where an action happens. The actor is whoever the session acts for: the
web layer names it once per request (:func:`act_as`: an API key's name, an editor's email, a CLI command), so
domain functions stay free of Flask. A write without an actor (a feed import, the demo loader, a scheduled
job) is the service's own work and is not recorded. Entries never hold a subscriber's email or interests: an
erasure names the subscriber by number only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, UTCDateTime, utcnow

#: the kinds of entry, as the audit page filters them
KINDS = ("article", "pin", "block", "never_pair", "settings", "key", "editor", "erasure")
ACTOR_KEY = "audit_actor"
SUMMARY_MAX = 300


class AuditEntry(Base):
    """One action on a site: who (``actor``), what (``kind``, ``action``, ``subject_id``, ``summary``) and
    when; ``before`` keeps what an edit replaced (an article's previous field values, so it can be restored)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_site_id_id", "site_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(330))
    kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def act_as(db: Session, actor: str) -> None:
    """Name who this session's writes are done for (``key "Website CMS"``, ``editor dana@clinic.example``)."""
    db.info[ACTOR_KEY] = actor[:330]


def actor_of(db: Session) -> str | None:
    return db.info.get(ACTOR_KEY)


def record(
    db: Session,
    site_id: int,
    kind: str,
    action: str,
    summary: str = "",
    subject_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Add an entry for an action on the site (in the caller's transaction); None when nobody acts (the
    service's own work)."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    actor = actor_of(db)
    if actor is None:
        return None
    entry = AuditEntry(
        site_id=site_id,
        at=utcnow(),
        actor=actor,
        kind=kind,
        action=action,
        subject_id=subject_id,
        summary=summary[:SUMMARY_MAX],
        before=before,
        after=after,
    )
    db.add(entry)
    return entry


def entries(
    db: Session, site_id: int, kind: str = "", before_id: int | None = None, limit: int = 50
) -> list[AuditEntry]:
    """The site's entries, newest first (``kind`` filters; ``before_id`` pages on)."""
    query = select(AuditEntry).where(AuditEntry.site_id == site_id)
    if kind:
        query = query.where(AuditEntry.kind == kind)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def entry_of(db: Session, site_id: int, entry_id: int) -> AuditEntry | None:
    entry = db.get(AuditEntry, entry_id)
    return entry if entry is not None and entry.site_id == site_id else None
