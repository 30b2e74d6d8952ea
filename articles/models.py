"""Articles and their labels (tags and categories)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow

STATUSES = ("draft", "published", "retired")


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

    labels: Mapped[list[ArticleLabel]] = relationship(
        back_populates="article", cascade="all, delete-orphan", lazy="selectin", order_by="ArticleLabel.position"
    )

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
