"""Reading history: which digest links a subscriber opened, kept only while they allow it.

A digest sent to a subscriber who turned reading history on links each article through
``/newsletter/<site>/read/<token>``. The token is signed with the app's SECRET_KEY (salt "digest-read") and
names the site, the subscriber, the start of the hash of their address and the article; following it adds one
to that subscriber's count for that article and redirects to the article's canonical URL as stored, so a
token can never send anyone elsewhere. No pixel, no third party. Turning reading history off deletes the
counts; erasing the subscriber deletes them with the row (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ForeignKey, Index, Integer, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from articles.models import Article
from articles.widget import replays
from newsletter.models import Subscriber
from service.db import Base, UTCDateTime, utcnow
from service.errors import ApiError

SALT = "digest-read"
_HASH_CHARS = 16
#: the most recently opened articles that shape the next digests
RECENT_READS = 20


class DigestClick(Base):
    """How often a subscriber opened an article from their digests."""

    __tablename__ = "digest_clicks"
    __table_args__ = (Index("ix_digest_clicks_site", "site_id"),)

    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class ReadLink:
    site_id: int
    subscriber_id: int
    email_hash_prefix: str
    article_id: int


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def make_token(secret_key: str, subscriber: Subscriber, article_id: int) -> str:
    payload = [subscriber.site_id, subscriber.id, subscriber.email_hash[:_HASH_CHARS], article_id]
    return str(_serializer(secret_key).dumps(payload))


def read_token(secret_key: str, token: str) -> ReadLink:
    """What a link names; a tampered or malformed token is a 404."""
    try:
        data = _serializer(secret_key).loads(token)
    except BadSignature:
        raise ApiError(404, "unknown_link", "This link is not one we gave out.") from None
    if not (
        isinstance(data, list)
        and len(data) == 4
        and type(data[0]) is int
        and type(data[1]) is int
        and isinstance(data[2], str)
        and type(data[3]) is int
    ):
        raise ApiError(404, "unknown_link", "This link is not one we gave out.")
    return ReadLink(*data)


def follow(db: Session, site_id: int, link: ReadLink, visitor: str | None) -> str:
    """The article's stored URL (404 if not servable); counts the click when ``visitor`` is given.

    ``visitor`` is the keyed hash of the link and the reader (``replays.visitor_key``); None counts nothing
    (a HEAD). Counted only while the subscriber allows it, and once per visitor within the replay window.
    """
    article = db.execute(
        select(Article.site_id, Article.status, Article.canonical_url).where(Article.id == link.article_id)
    ).first()
    if link.site_id != site_id or article is None or article.site_id != site_id or article.status != "published":
        raise ApiError(404, "unknown_link", "The article this link points to is not available.")
    subscriber = db.get(Subscriber, link.subscriber_id)
    if (
        subscriber is not None
        and subscriber.site_id == site_id
        and subscriber.email_hash[:_HASH_CHARS] == link.email_hash_prefix
        and subscriber.reading_history
        and visitor is not None
        and replays.first_in_window(db, visitor)
    ):
        _count(db, site_id, subscriber.id, link.article_id)
    return str(article.canonical_url)


def _count(db: Session, site_id: int, subscriber_id: int, article_id: int) -> None:
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    statement = insert(DigestClick).values(
        subscriber_id=subscriber_id, article_id=article_id, site_id=site_id, count=1, last_at=now
    )
    db.execute(
        statement.on_conflict_do_update(
            index_elements=[DigestClick.subscriber_id, DigestClick.article_id],
            set_={"count": DigestClick.count + 1, "last_at": now},
        )
    )


def set_reading_history(db: Session, subscriber: Subscriber, enabled: bool) -> None:
    """Turn reading history on or off; off deletes every click stored for the subscriber."""
    subscriber.reading_history = enabled
    if not enabled:
        forget(db, subscriber.id)


def forget(db: Session, subscriber_id: int) -> None:
    db.execute(delete(DigestClick).where(DigestClick.subscriber_id == subscriber_id))


def clicks_of(db: Session, subscriber_id: int) -> int:
    return int(
        db.scalar(
            select(func.coalesce(func.sum(DigestClick.count), 0)).where(DigestClick.subscriber_id == subscriber_id)
        )
        or 0
    )


def recent_reads(db: Session, subscriber_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """Each subscriber's most recently opened articles (id, title), newest first, at most RECENT_READS."""
    rows = db.execute(
        select(DigestClick.subscriber_id, Article.id, Article.title)
        .join(Article, Article.id == DigestClick.article_id)
        .where(DigestClick.subscriber_id.in_(subscriber_ids))
        .order_by(DigestClick.subscriber_id, DigestClick.last_at.desc(), Article.id.desc())
    ).all()
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        if len(out[row.subscriber_id]) < RECENT_READS:
            out[row.subscriber_id].append((row.id, row.title))
    return out
