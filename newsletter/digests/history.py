"""What a subscriber's reading history adds to their digest profile (only while they allow it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from articles.models import ArticleLabel
from newsletter.digests.ledger import SentArticle
from newsletter.models import Subscriber
from newsletter.reading import DigestClick

#: a followed topic is "quiet" once this many articles labelled with it were sent and none was opened
QUIET_AFTER_SENT = 6


def quiet_topics(
    db: Session, subscribers: Sequence[Subscriber], after: int = QUIET_AFTER_SENT
) -> dict[int, frozenset[str]]:
    """Followed topics of which at least ``after`` labelled articles were sent and none opened, per subscriber."""
    out: dict[int, frozenset[str]] = {}
    for subscriber in subscribers:
        topics = subscriber.topics
        if not topics:
            continue
        sent = db.execute(
            select(ArticleLabel.name, func.count(SentArticle.article_id))
            .join(SentArticle, SentArticle.article_id == ArticleLabel.article_id)
            .where(SentArticle.subscriber_id == subscriber.id, ArticleLabel.name.in_(topics))
            .group_by(ArticleLabel.name)
        ).all()
        opened = set(
            db.scalars(
                select(ArticleLabel.name)
                .join(DigestClick, DigestClick.article_id == ArticleLabel.article_id)
                .where(DigestClick.subscriber_id == subscriber.id, ArticleLabel.name.in_(topics))
            )
        )
        out[subscriber.id] = frozenset(name for name, count in sent if count >= after and name not in opened)
    return out
