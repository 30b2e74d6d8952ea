"""Read-only queries behind the admin pages (writes go through the domain modules)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, column, exists, func, inspect, select
from sqlalchemy import table as table_clause
from sqlalchemy.orm import Session

from articles.models import Article, ArticleLabel
from service.sites import Site

PAGE_SIZE = 25


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
    """One page of the site's articles, newest change first, matching a title search and filters."""
    where = [Article.site_id == site.id]
    if q:
        where.append(func.lower(Article.title).like(f"%{_escape_like(q.lower())}%", escape="\\"))
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
    total = db.scalar(select(func.count()).select_from(Article).where(*where)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    items = db.scalars(
        select(Article)
        .where(*where)
        .order_by(Article.updated_at.desc(), Article.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return ArticlePage(list(items), total, page, pages)


def has_table(db: Session, name: str) -> bool:
    """Whether the database has table ``name`` (pages of features that may not be installed yet)."""
    return inspect(db.get_bind()).has_table(name)


def latest_row(db: Session, table: str, site_id: int, columns: tuple[str, ...]) -> dict | None:
    """``columns`` (those present) of the newest row (highest id) of another feature's table for a site.

    Tables of features built elsewhere are read loosely: without ``id`` and ``site_id`` there is nothing to show.
    """
    present = {c["name"] for c in inspect(db.get_bind()).get_columns(table)}
    if not {"id", "site_id"} <= present:
        return None
    shown = [name for name in columns if name in present]
    source = table_clause(table, column("id"), column("site_id"), *[column(name) for name in shown])
    row = (
        db.execute(
            select(*[source.c[name] for name in shown])
            .where(source.c.site_id == site_id)
            .order_by(source.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
