"""What a subscriber's reading history adds to their digest profile (only while they allow it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
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
    """Followed topics of which at least ``after`` labelled articles were sent and none opened, per subscriber.

    A reader topic is judged by the tags and categories it matches (one without any is never quiet); a legacy
    interest by its own label name.
    """
    out: dict[int, frozenset[str]] = {}
    for subscriber in subscribers:
        labels_of = {topic.name: set(topic.labels) for topic in subscriber.reader_topics if topic.labels}
        labels_of.update({label: {label} for label in subscriber.labels})
        wanted = set().union(*labels_of.values()) if labels_of else set()
        if not wanted:
            continue
        sent = _labelled(db, SentArticle, subscriber.id, wanted)
        opened = _labelled(db, DigestClick, subscriber.id, wanted)
        out[subscriber.id] = frozenset(
            name
            for name, labels in labels_of.items()
            if len(_articles_with(sent, labels)) >= after and not _articles_with(opened, labels)
        )
    return out


def _labelled(
    db: Session, rows: type[SentArticle] | type[DigestClick], subscriber_id: int, labels: set[str]
) -> list[tuple[int, str]]:
    """(article id, label) of the subscriber's ``rows`` (sent or opened) whose article carries one of ``labels``."""
    found = db.execute(
        select(ArticleLabel.article_id, ArticleLabel.name)
        .join(rows, rows.article_id == ArticleLabel.article_id)
        .where(rows.subscriber_id == subscriber_id, ArticleLabel.name.in_(labels))
    ).all()
    return [(article_id, name) for article_id, name in found]


def _articles_with(pairs: list[tuple[int, str]], labels: set[str]) -> set[int]:
    return {article for article, label in pairs if label in labels}
