"""Suggestions for the sign-up search box: the site's reader topics and published article titles that
contain what the reader typed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from articles.models import Article
from newsletter.reader_topics import site_reader_topics
from service.sites import Site

MAX_SUGGESTIONS = 10
MIN_QUERY = 2
MAX_QUERY = 100


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "topic" or "article"
    label: str
    id: int


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def suggestions(db: Session, site: Site, query: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Topics first (name, description or a match term contains the text), then article titles;
    nothing for fewer than :data:`MIN_QUERY` characters."""
    text = " ".join(query.split())[:MAX_QUERY].casefold()
    if len(text) < MIN_QUERY:
        return []
    found: list[Suggestion] = []
    for topic in site_reader_topics(db, site):
        haystack = " ".join([topic.name, topic.description or "", *topic.match_terms]).casefold()
        if text in haystack:
            found.append(Suggestion("topic", topic.name, topic.id))
    found = found[: limit // 2 + 1]
    rows = db.execute(
        select(Article.id, Article.title)
        .where(
            Article.site_id == site.id,
            Article.status == "published",
            func.lower(Article.title).like(_like_pattern(text), escape="\\"),
        )
        .order_by(func.length(Article.title), Article.title)
        .limit(limit - len(found))
    )
    found.extend(Suggestion("article", title, article_id) for article_id, title in rows)
    return found
