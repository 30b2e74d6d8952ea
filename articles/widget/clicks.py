"""Click counting on related links (per site, off by default: site setting ``click_counting``).

A counted link is ``/r/<token>``: the token is signed with the app's SECRET_KEY (salt "click") and carries
(site id, from article id, to article id). Following it leads to the target article's own canonical URL as
stored (straight away only on the site's own hosts: ``articles.widget.destinations``). It adds one to the
pair's count only when asked to (a GET, not a HEAD), while the source article is published, and once per
visitor within ``replays.REPLAY_WINDOW``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ForeignKey, Index, Integer, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from articles.models import Article
from articles.widget import click_days, destinations, replays
from service.db import Base, UTCDateTime, utcnow
from service.errors import ApiError
from service.sites import DEFAULT_SITE_SETTINGS, Site

SALT = "click"


class RelatedClick(Base):
    """How often readers of ``from_id`` followed its related link to ``to_id``."""

    __tablename__ = "related_clicks"
    __table_args__ = (
        Index("ix_related_clicks_site_count", "site_id", "count"),
        Index("ix_related_clicks_to_id", "to_id"),
    )

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    from_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class ClickTarget:
    site_id: int
    from_id: int
    to_id: int


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, site_id: int, from_id: int, to_id: int) -> str:
    """A stable (untimed) token, so counted URLs stay cacheable like the lists that carry them."""
    return str(_serializer(secret_key).dumps([site_id, from_id, to_id]))


def read_token(secret_key: str, token: str) -> ClickTarget:
    """The pair a token names; a tampered or malformed token is a 404."""
    try:
        data = _serializer(secret_key).loads(token)
    except BadSignature:
        raise ApiError(404, "unknown_link", "This link is not one we gave out.") from None
    if not (isinstance(data, list) and len(data) == 3 and all(type(v) is int for v in data)):
        raise ApiError(404, "unknown_link", "This link is not one we gave out.")
    return ClickTarget(*data)


def _upsert(db: Session, target: ClickTarget) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    statement = insert(RelatedClick).values(
        site_id=target.site_id, from_id=target.from_id, to_id=target.to_id, count=1, last_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[RelatedClick.from_id, RelatedClick.to_id],
        set_={"count": RelatedClick.count + 1, "last_at": now},
    )
    db.execute(statement)


@dataclass(frozen=True)
class Destination:
    """Where a followed link leads, and whether that is one of the site's own hosts (else: a page, not a redirect)."""

    url: str
    own_host: bool


def record_click(db: Session, target: ClickTarget, visitor: str | None) -> Destination:
    """Where the link leads (404 if the target is not servable); counts the click when ``visitor`` is given.

    ``visitor`` is the keyed hash of the link and the reader (``replays.visitor_key``); None counts nothing
    (a HEAD). A click is counted only while the site counts clicks, the source article is published, and
    this visitor did not follow this link within the replay window. Does not commit.
    """
    rows = db.execute(
        select(Article.id, Article.site_id, Article.status, Article.canonical_url).where(
            Article.id.in_((target.from_id, target.to_id))
        )
    ).all()
    found = {row.id: row for row in rows}
    source, destination = found.get(target.from_id), found.get(target.to_id)
    if (
        source is None
        or destination is None
        or source.site_id != target.site_id
        or destination.site_id != target.site_id
        or destination.status != "published"
    ):
        raise ApiError(404, "unknown_link", "The article this link points to is not available.")
    site = db.execute(select(Site.settings, Site.allowed_origins).where(Site.id == target.site_id)).one()
    counting = (site.settings or {}).get("click_counting", DEFAULT_SITE_SETTINGS["click_counting"])
    # a site that turned counting off, or a retired source, still gets its old links followed
    if counting and visitor is not None and source.status == "published" and replays.first_in_window(db, visitor):
        _upsert(db, target)
        click_days.add_click(db, target.site_id, target.from_id, target.to_id)
    url = str(destination.canonical_url)
    return Destination(url, destinations.is_own(url, site.allowed_origins or []))


def _brief(row_id: int, title: str, url: str) -> dict[str, Any]:
    return {"id": row_id, "title": title, "url": url}


def article_clicks(db: Session, site_id: int, article_id: int) -> dict[str, list[dict[str, Any]]]:
    """Counted clicks from this article's list (outgoing) and to it from others' lists (incoming)."""
    result: dict[str, list[dict[str, Any]]] = {}
    for name, own, other in (
        ("outgoing", RelatedClick.from_id, RelatedClick.to_id),
        ("incoming", RelatedClick.to_id, RelatedClick.from_id),
    ):
        rows = db.execute(
            select(Article.id, Article.title, Article.canonical_url, RelatedClick.count, RelatedClick.last_at)
            .join(Article, Article.id == other)
            .where(RelatedClick.site_id == site_id, own == article_id)
            .order_by(RelatedClick.count.desc(), Article.id)
        ).all()
        result[name] = [
            {"article": _brief(r.id, r.title, r.canonical_url), "count": r.count, "last_at": r.last_at} for r in rows
        ]
    return result


def top_pairs(db: Session, site_id: int, limit: int) -> list[dict[str, Any]]:
    """The site's most-followed (from, to) pairs."""
    source, target = aliased(Article), aliased(Article)
    rows = db.execute(
        select(
            RelatedClick.count,
            RelatedClick.last_at,
            source.id,
            source.title,
            source.canonical_url,
            target.id.label("to_id"),
            target.title.label("to_title"),
            target.canonical_url.label("to_url"),
        )
        .join(source, source.id == RelatedClick.from_id)
        .join(target, target.id == RelatedClick.to_id)
        .where(RelatedClick.site_id == site_id)
        .order_by(RelatedClick.count.desc(), RelatedClick.from_id, RelatedClick.to_id)
        .limit(limit)
    ).all()
    return [
        {
            "from": _brief(r.id, r.title, r.canonical_url),
            "to": _brief(r.to_id, r.to_title, r.to_url),
            "count": r.count,
            "last_at": r.last_at,
        }
        for r in rows
    ]


def total_clicks(db: Session, site_id: int) -> int:
    return int(
        db.scalar(select(func.coalesce(func.sum(RelatedClick.count), 0)).where(RelatedClick.site_id == site_id)) or 0
    )
