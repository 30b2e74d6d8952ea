"""The ``site_synonyms`` table: one row per phrase a site's queries rewrite."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow

SOURCES = ("editor", "also_called")


class SiteSynonym(Base):
    """``phrase`` means ``means`` in this site's queries ("stomach bug" -> "Norovirus Infections").

    ``phrase_key`` is the phrase as matching reads it (lower-case words joined by one space), unique per
    site. ``source``: ``editor`` (written by an editor) or ``also_called`` (seeded from an article's own
    "Also called" names; a new seeding may change or drop these, never an editor's).
    """

    __tablename__ = "site_synonyms"
    __table_args__ = (UniqueConstraint("site_id", "phrase_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    phrase: Mapped[str] = mapped_column(String(200))
    phrase_key: Mapped[str] = mapped_column(String(200))
    means: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="editor")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
