"""Read-only queries behind the admin pages (writes go through the domain modules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from articles.feeds.models import FeedPoll
from articles.models import Article, ArticleLabel
from articles.related.index_cache import read_index
from newsletter.digests.ledger import DigestRun
from service.sites import Site

PAGE_SIZE = 25
#: how many index matches an article search adds to the title matches
SEARCH_MATCHES = 100


@dataclass
class ArticlePage:
    items: list[Article]
    total: int
    page: int
    pages: int


def status_counts(db: Session, site: Site) -> dict[str, int]:
    rows = db.execute(select(Article.status, func.count()).where(Article.site_id == site.id).group_by(Article.status))
    counts = {"published": 0, "draft": 0, "retired": 0}
    counts.update({status: count for status, count in rows})
    return counts


def site_categories(db: Session, site: Site) -> list[str]:
    query = (
        select(ArticleLabel.name)
        .join(Article, Article.id == ArticleLabel.article_id)
        .where(Article.site_id == site.id, ArticleLabel.kind == "category")
        .group_by(ArticleLabel.name)
        .order_by(ArticleLabel.name)
    )
    return list(db.scalars(query))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: the article list's sort orders: (label, ORDER BY)
SORTS: dict[str, str] = {
    "relevance": "Best match",
    "updated": "Recently changed",
    "published": "Recently published",
    "title": "Title A–Z",
}


def _has_label(kind: str, name: str) -> Any:
    return exists().where(
        and_(ArticleLabel.article_id == Article.id, ArticleLabel.kind == kind, ArticleLabel.name == name)
    )


def search_articles(
    db: Session,
    site: Site,
    q: str = "",
    status: str = "",
    category: str = "",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    *,
    tag: str = "",
    source: str = "",
    sort: str = "",
) -> ArticlePage:
    """One page of the site's articles matching a search and filters.

    A search finds the articles whose title holds it and those the site's index matches over title, summary
    and body (the query matching of digests and reader interests: rare words, the lay lexicon, the site's
    synonyms, names as phrases), so "lumbago" in a summary and "stomach flu" (Gastroenteritis) are found.
    ``sort``: best match (the default with a search), recently changed (the default without), recently
    published, or title.
    """
    where = [Article.site_id == site.id]
    order: list[Any] = []
    if status:
        where.append(Article.status == status)
    if category:
        where.append(_has_label("category", category))
    if tag:
        where.append(_has_label("tag", tag))
    if source:
        where.append(Article.source == source)
    sort = sort if sort in SORTS else ("relevance" if q else "updated")
    if q:
        in_title = func.lower(Article.title).like(f"%{_escape_like(q.lower())}%", escape="\\")
        matched = _matching_ids(db, site, q)
        where.append(or_(in_title, Article.id.in_(matched)) if matched else in_title)
        if sort == "relevance":
            rank = (
                case({article_id: position for position, article_id in enumerate(matched)}, value=Article.id)
                if matched
                else None
            )
            order = [case((in_title, 0), else_=1)] + ([func.coalesce(rank, len(matched))] if rank is not None else [])
    if sort == "title":
        order = [func.lower(Article.title)]
    elif sort == "published":
        order = [Article.published_at.desc()]
    total = db.scalar(select(func.count()).select_from(Article).where(*where)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    items = db.scalars(
        select(Article)
        .where(*where)
        .order_by(*order, Article.updated_at.desc(), Article.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return ArticlePage(list(items), total, page, pages)


def site_labels(db: Session, site: Site, kind: str) -> list[str]:
    """The site's distinct tags or categories, sorted."""
    query = (
        select(ArticleLabel.name)
        .join(Article, Article.id == ArticleLabel.article_id)
        .where(Article.site_id == site.id, ArticleLabel.kind == kind)
        .group_by(ArticleLabel.name)
        .order_by(ArticleLabel.name)
    )
    return list(db.scalars(query))


def site_sources(db: Session, site: Site) -> list[str]:
    """Where the site's articles came from (api, admin, feed, demo...)."""
    return list(db.scalars(select(Article.source).where(Article.site_id == site.id).group_by(Article.source)))


def _matching_ids(db: Session, site: Site, q: str) -> list[int]:
    """Ids of the published articles that best match free text, best first."""
    index = read_index(db, site)
    return [match.id for match in index.search(q, SEARCH_MATCHES)] if index is not None else []


def latest_feed_poll(db: Session, site: Site) -> FeedPoll | None:
    """The site's newest feed poll (any of its feeds)."""
    return db.scalar(select(FeedPoll).where(FeedPoll.site_id == site.id).order_by(FeedPoll.id.desc()).limit(1))


def latest_digest_run(db: Session, site: Site, sent_mail: bool = False) -> DigestRun | None:
    """The site's newest digest run (with ``sent_mail``: the newest that sent at least one email)."""
    query = select(DigestRun).where(DigestRun.site_id == site.id)
    if sent_mail:
        query = query.where(DigestRun.sent > 0)
    return db.scalar(query.order_by(DigestRun.id.desc()).limit(1))


#: how many titles the pin search offers
PIN_CHOICES = 10


def title_candidates(db: Session, site: Site, q: str, exclude: set[int], limit: int = PIN_CHOICES) -> list[Article]:
    """Published articles whose title holds ``q`` (any case): titles starting with it first, then shorter ones."""
    text = q.strip().lower()
    if not text:
        return []
    title = func.lower(Article.title)
    query = (
        select(Article)
        .where(
            Article.site_id == site.id,
            Article.status == "published",
            title.like(f"%{_escape_like(text)}%", escape="\\"),
            Article.id.not_in(exclude) if exclude else Article.id.is_not(None),
        )
        .order_by(case((title.like(f"{_escape_like(text)}%", escape="\\"), 0), else_=1), func.length(Article.title))
        .order_by(Article.title, Article.id)
        .limit(limit)
    )
    return list(db.scalars(query))
