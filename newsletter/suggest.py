"""Suggestions for the sign-up search box: the site's reader topics and published article titles that
contain what the reader typed, or what it means when it is a lay phrase ("stomach flu": Gastroenteritis).

What it means comes from the same phrase maps as digests read queries with (the shipped lay lexicon under the
site's synonyms), applied to whole words only: no index is read, so the answer stays one or two small queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from articles.models import Article
from articles.synonyms.models import SiteSynonym
from articles.synonyms.store import MAX_WORDS, phrase_key
from newsletter.reader_topics import site_reader_topics
from recommender.phrases import lay_lexicon
from recommender.text import tokens
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


def _site_pairs(db: Session, site: Site, words: list[str]) -> list[tuple[str, str]]:
    """The site's synonyms whose phrase is some run of ``words`` (found by key: only these rows are read)."""
    runs = {
        phrase_key(" ".join(words[start:end]))
        for start in range(len(words))
        for end in range(start + 1, min(len(words), start + MAX_WORDS) + 1)
    }
    rows = db.execute(
        select(SiteSynonym.phrase, SiteSynonym.means).where(
            SiteSynonym.site_id == site.id, SiteSynonym.phrase_key.in_(sorted(runs))
        )
    )
    return [(phrase, means) for phrase, means in rows]


def _meaning(db: Session, site: Site, text: str) -> str | None:
    """What ``text`` means when some of its words are a lay phrase or one of the site's synonyms, else None."""
    words = tokens(text)
    if not words:
        return None
    pairs = _site_pairs(db, site, words)
    phrases = lay_lexicon().overlaid(pairs) if pairs else lay_lexicon()
    meaning = phrases.rewrite(text)
    return meaning if len(meaning) >= MIN_QUERY and meaning != " ".join(words) else None


def suggestions(db: Session, site: Site, query: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Topics first (name, description or a match term contains the text or what it means), then article
    titles (those containing the text, then those containing what it means); nothing for fewer than
    :data:`MIN_QUERY` characters."""
    text = " ".join(query.split())[:MAX_QUERY].casefold()
    if len(text) < MIN_QUERY:
        return []
    needles = [text] + [m for m in [_meaning(db, site, text)] if m is not None]
    found: list[Suggestion] = []
    for topic in site_reader_topics(db, site):
        haystack = " ".join([topic.name, topic.description or "", *topic.match_terms]).casefold()
        if any(needle in haystack for needle in needles):
            found.append(Suggestion("topic", topic.name, topic.id))
    found = found[: limit // 2 + 1]
    for needle in needles:
        seen = {s.id for s in found if s.kind == "article"}
        rows = db.execute(
            select(Article.id, Article.title)
            .where(
                Article.site_id == site.id,
                Article.status == "published",
                func.lower(Article.title).like(_like_pattern(needle), escape="\\"),
                Article.id.not_in(seen),
            )
            .order_by(func.length(Article.title), Article.title)
            .limit(limit - len(found))
        )
        found.extend(Suggestion("article", title, article_id) for article_id, title in rows)
    return found[:limit]
