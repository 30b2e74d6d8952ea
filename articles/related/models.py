"""The related-links engine's tables: stored lists, their rows, editors' rules, and the index's state and change log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow


class RelatedList(Base):
    """An article's ready-to-serve related list (rules applied), so a widget read is one lookup.

    ``items`` holds up to 20 entries shaped as the public API answers them: id, title, url, summary,
    image_url, published_at, category, score, why, reason. ``version`` changes whenever the list does
    (it is the widget's ETag).
    """

    __tablename__ = "related_lists"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    items: Mapped[list[dict]] = mapped_column(JSON, default=list)
    version: Mapped[str] = mapped_column(String(32))
    #: the lowest raw score among the stored neighbours (0 while fewer than the maximum are stored):
    #: a new article with a higher similarity enters this list.
    threshold: Mapped[float] = mapped_column(Float, default=0.0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RelatedLink(Base):
    """One entry of a stored related list, kept as rows so "whose lists show article X" is an index lookup."""

    __tablename__ = "related_links"
    __table_args__ = (Index("ix_related_links_related_id", "related_id"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    related_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)


class EditorRule(Base):
    """An editor's pin (always show, in order) or block (never show) of ``target_id`` on ``article_id``."""

    __tablename__ = "editor_rules"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "pin" or "block"
    position: Mapped[int] = mapped_column(Integer, default=0)


class NeverPairRule(Base):
    """Articles tagged ``tag_a`` are never shown beside articles tagged ``tag_b`` (both directions)."""

    __tablename__ = "never_pair_rules"
    __table_args__ = (UniqueConstraint("site_id", "tag_a", "tag_b"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    tag_a: Mapped[str] = mapped_column(String(100))
    tag_b: Mapped[str] = mapped_column(String(100))


class RelatedIndexState(Base):
    """Which stored TF-IDF index (``token``) is current for a site, and how far the change log was applied to it."""

    __tablename__ = "related_index_state"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(40))
    log_mark: Mapped[int] = mapped_column(Integer, default=0)
    fitted_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_since_fit: Mapped[int] = mapped_column(Integer, default=0)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the site's field weights changed: the worker refits whatever the site's size, and readers keep using
    #: the stored index (fitted with the old weights) until then instead of fitting one themselves
    refit_wanted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RelatedIndexBlob(Base):
    """One part of a site's fitted index, serialised and signed (see ``articles.related.index_store``).

    The parts of one ``token``, joined in ``part`` order, are the index the state row of that token names;
    every worker loads it from here, so no process needs a file another machine wrote.
    """

    __tablename__ = "related_index_blobs"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class RelatedIndexLog(Base):
    """Articles written since the last fit, in order: every process replays them onto its in-memory index."""

    __tablename__ = "related_index_log"
    # AUTOINCREMENT on SQLite: ids must never be reused after the log is pruned
    __table_args__ = (Index("ix_related_index_log_site_id_id", "site_id", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(Integer)


class RelatedPending(Base):
    """An article whose index row and related neighbourhood still have to be brought up to date.

    Writes add a row in their own transaction; the drainer (``articles.related.pending``) claims rows,
    updates the index and the lists, and deletes the rows it handled in the same commit. Several rows per
    article are allowed (writers never conflict with each other or with a drainer); no foreign key on
    ``article_id``: a purged article's row tells the drainer to take it out of the index.
    """

    __tablename__ = "related_pending"
    # AUTOINCREMENT on SQLite: a claimed id must never be reused by a later write
    __table_args__ = (Index("ix_related_pending_site_id_id", "site_id", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
