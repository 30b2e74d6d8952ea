"""Articles and their labels (tags and categories)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow

STATUSES = ("draft", "published", "retired")
SOURCES = ("api", "feed", "admin", "demo")


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("site_id", "canonical_url"),
        Index("ix_articles_site_url_key", "site_id", "url_key"),
        Index("ix_articles_site_guid", "site_id", "guid"),
        Index("ix_articles_site_status_id", "site_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    canonical_url: Mapped[str] = mapped_column(String(2000))
    #: scheme-less, lower-case host, no trailing slash: how a widget's page address finds its article.
    url_key: Mapped[str] = mapped_column(String(2000))
    guid: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(200))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    #: a source line shown with the article, e.g. "Source: MedlinePlus, National Library of Medicine".
    credit: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    medically_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="published")
    source: Mapped[str] = mapped_column(String(16), default="api")
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when an editor last changed the article by hand (feed imports then leave it alone).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    labels: Mapped[list["ArticleLabel"]] = relationship(
        back_populates="article", cascade="all, delete-orphan", lazy="selectin", order_by="ArticleLabel.position")

    @property
    def tags(self) -> list[str]:
        return [label.name for label in self.labels if label.kind == "tag"]

    @property
    def categories(self) -> list[str]:
        return [label.name for label in self.labels if label.kind == "category"]


class ArticleLabel(Base):
    """A tag or category of an article; a table of its own so lists can be filtered by label."""

    __tablename__ = "article_labels"
    __table_args__ = (Index("ix_article_labels_kind_name", "kind", "name"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    article: Mapped[Article] = relationship(back_populates="labels")


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
    """Which saved TF-IDF index file is current for a site, and how far the change log had been applied to it."""

    __tablename__ = "related_index_state"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(40))
    log_mark: Mapped[int] = mapped_column(Integer, default=0)
    fitted_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_since_fit: Mapped[int] = mapped_column(Integer, default=0)
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RelatedIndexLog(Base):
    """Articles written since the last fit, in order: every process replays them onto its in-memory index."""

    __tablename__ = "related_index_log"
    # AUTOINCREMENT on SQLite: ids must never be reused after the log is pruned
    __table_args__ = (Index("ix_related_index_log_site_id_id", "site_id", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(Integer)
