"""Scheduled publishing: an article whose ``published_at`` is still to come stays out of related lists,
widgets and digests, and enters them when that moment passes.

The index holds only articles already published (``index_cache.published_documents``), and list rules refuse
a future article as a pin or a fallback (``recommender.ranking``), so nothing is checked when a widget reads.
Whenever the drainer handles articles (or refits a site) it records those with a future ``published_at`` here
(:func:`note_future`); the ``publish_scheduled`` job (:func:`queue_due`, every minute) queues those whose moment
has come for the drainer, which adds them to the index and to the lists they belong in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from articles.models import Article
from articles.related.models import RelatedPending
from service.db import Base, UTCDateTime, utcnow


class ScheduledPublication(Base):
    """A published article whose ``published_at`` is still to come, and when that is."""

    __tablename__ = "scheduled_publications"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def is_live(published_at: datetime | None, now: datetime) -> bool:
    """Whether an article with this ``published_at`` may be shown to readers at ``now``."""
    return published_at is None or published_at <= now


def note_future(db: Session, site_id: int, article_ids: Iterable[int] | None = None) -> int:
    """Record which of these articles (None: every article of the site) are published for a later moment,
    replacing what was recorded for them; returns how many are scheduled."""
    now = utcnow()
    scope_rows = select(Article.id, Article.status, Article.published_at).where(Article.site_id == site_id)
    ids = None if article_ids is None else list(dict.fromkeys(article_ids))
    cleared = delete(ScheduledPublication).where(ScheduledPublication.site_id == site_id)
    rows: list[dict[str, object]] = []
    chunks = [None] if ids is None else [ids[i : i + 5000] for i in range(0, len(ids), 5000)]
    for chunk in chunks:
        if chunk is None:
            db.execute(cleared)
            query = scope_rows
        else:
            db.execute(cleared.where(ScheduledPublication.article_id.in_(chunk)))
            query = scope_rows.where(Article.id.in_(chunk))
        for article_id, status, published_at in db.execute(query):
            if status == "published" and not is_live(published_at, now):
                rows.append({"article_id": article_id, "site_id": site_id, "publish_at": published_at})
    for start in range(0, len(rows), 5000):
        db.execute(insert(ScheduledPublication), rows[start : start + 5000])
    return len(rows)


def queue_due(db: Session, now: datetime) -> dict[str, int]:
    """Queue for the drainer every scheduled article whose moment has come, and forget it; commits.

    Returns how many articles were queued per site id (as text, for the job's JSON summary).
    """
    due = list(
        db.execute(
            select(ScheduledPublication.article_id, ScheduledPublication.site_id).where(
                ScheduledPublication.publish_at <= now
            )
        )
    )
    counts: dict[str, int] = {}
    if due:
        queued_at = utcnow()
        db.execute(
            insert(RelatedPending),
            [{"site_id": site_id, "article_id": article_id, "queued_at": queued_at} for article_id, site_id in due],
        )
        ids = [article_id for article_id, _ in due]
        for start in range(0, len(ids), 5000):
            db.execute(
                delete(ScheduledPublication).where(ScheduledPublication.article_id.in_(ids[start : start + 5000]))
            )
        for _, site_id in due:
            counts[str(site_id)] = counts.get(str(site_id), 0) + 1
    db.commit()
    return counts
