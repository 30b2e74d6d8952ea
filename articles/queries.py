"""Reading a site's articles: one by id or address, pages of them, several by id. Nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from articles.models import Article, ArticleLabel
from service.errors import ApiError
from service.sites import Site


@dataclass
class ArticleFilters:
    status: str | None = None
    tag: str | None = None
    category: str | None = None
    updated_since: datetime | None = None


def find_by_url(db: Session, site: Site, canonical_url: str) -> Article | None:
    return db.scalar(select(Article).where(Article.site_id == site.id, Article.canonical_url == canonical_url))


def get_article(db: Session, site: Site, article_id: int) -> Article:
    """The site's article; 404 when there is none, 403 when it belongs to another site."""
    article = db.get(Article, article_id)
    if article is None:
        raise ApiError(404, "unknown_article", f"No article {article_id}.")
    if article.site_id != site.id:
        raise ApiError(403, "other_site", "This article belongs to another site.")
    return article


def _label_filter(kind: str, name: str) -> Any:
    return exists().where(
        and_(ArticleLabel.article_id == Article.id, ArticleLabel.kind == kind, ArticleLabel.name == name)
    )


def list_articles(
    db: Session, site: Site, filters: ArticleFilters, after_id: int = 0, limit: int = 50
) -> tuple[list[Article], int | None]:
    """A page of the site's articles in id order, and the id to continue after (None on the last page)."""
    query = select(Article).where(Article.site_id == site.id, Article.id > after_id)
    if filters.status:
        query = query.where(Article.status == filters.status)
    if filters.tag:
        query = query.where(_label_filter("tag", filters.tag))
    if filters.category:
        query = query.where(_label_filter("category", filters.category))
    if filters.updated_since:
        query = query.where(Article.updated_at >= filters.updated_since)
    rows = list(db.scalars(query.order_by(Article.id).limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


def articles_by_ids(db: Session, site: Site, ids: Iterable[int]) -> dict[int, Article]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.scalars(select(Article).where(Article.site_id == site.id, Article.id.in_(ids)))
    return {row.id: row for row in rows}
