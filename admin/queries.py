"""Read-only queries behind the admin pages (writes go through the domain modules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, select
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


def search_articles(
    db: Session,
    site: Site,
    q: str = "",
    status: str = "",
    category: str = "",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> ArticlePage:
    """One page of the site's articles matching a search and filters.

    Without a search, newest change first. With one, the articles whose title holds the search, best match
    first; when no title holds it, the published articles the site's index matches instead (the query matching
    of digests: rare words, the lay lexicon, the site's synonyms, names as phrases), so "stomach flu" finds
    Gastroenteritis.
    """
    where = [Article.site_id == site.id]
    order: list[Any] = []
    if status:
        where.append(Article.status == status)
    if category:
        where.append(
            exists().where(
                and_(
                    ArticleLabel.article_id == Article.id,
                    ArticleLabel.kind == "category",
                    ArticleLabel.name == category,
                )
            )
        )
    if q:
        in_title = func.lower(Article.title).like(f"%{_escape_like(q.lower())}%", escape="\\")
        matched = _matching_ids(db, site, q)
        title_hits = db.scalar(select(func.count()).select_from(Article).where(*where, in_title)) or 0
        where.append(in_title if title_hits or not matched else Article.id.in_(matched))
        if matched:
            rank = case({article_id: position for position, article_id in enumerate(matched)}, value=Article.id)
            order = [func.coalesce(rank, len(matched))]
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
