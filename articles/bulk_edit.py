"""Changing many articles at once (the admin articles list): retire, publish, add a tag, remove a tag.

Every change goes through :func:`articles.store.patch_article`, so it is validated like any edit and queues
the related-list updates, once per article, at the end (``updates.deferred``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from articles import store
from articles.models import Article
from articles.related import updates
from articles.schemas import ArticlePatch
from service.errors import ApiError
from service.sites import Site

Action = Literal["retire", "publish", "add_tag", "remove_tag"]
ACTIONS: dict[str, str] = {
    "retire": "Retire",
    "publish": "Publish",
    "add_tag": "Add a tag",
    "remove_tag": "Remove a tag",
}
MAX_ARTICLES = 200
TAG_MAX = 100


def chosen_articles(db: Session, site: Site, ids: Iterable[int]) -> list[Article]:
    """The site's articles among ``ids`` (others are ignored), in title order; 422 when none or too many."""
    wanted = sorted(set(ids))
    if not wanted:
        raise ApiError(422, "invalid_fields", "Choose at least one article.", {"ids": "none chosen"})
    if len(wanted) > MAX_ARTICLES:
        raise ApiError(422, "invalid_fields", f"Choose at most {MAX_ARTICLES} articles at once.", {"ids": "too many"})
    rows = db.scalars(select(Article).where(Article.site_id == site.id, Article.id.in_(wanted)).order_by(Article.title))
    found = list(rows)
    if not found:
        raise ApiError(422, "invalid_fields", "None of the chosen articles belongs to this site.", {"ids": "unknown"})
    return found


def check_tag(action: str, tag: str) -> str:
    """The tag an add/remove action needs (trimmed), or "" for the others; 422 when missing or too long."""
    if action not in ("add_tag", "remove_tag"):
        return ""
    tag = " ".join(tag.split())
    if not tag or len(tag) > TAG_MAX:
        raise ApiError(422, "invalid_fields", f"Enter a tag of 1 to {TAG_MAX} characters.", {"tag": "required"})
    return tag


def _patch(article: Article, action: str, tag: str) -> ArticlePatch | None:
    """The change ``action`` makes to ``article``, or None when it changes nothing."""
    if action in ("retire", "publish"):
        if article.status == ("retired" if action == "retire" else "published"):
            return None
        return ArticlePatch(status="retired" if action == "retire" else "published")
    tags = list(article.tags)
    has = any(t.lower() == tag.lower() for t in tags)
    if action == "add_tag":
        return None if has else ArticlePatch(tags=[*tags, tag])
    return ArticlePatch(tags=[t for t in tags if t.lower() != tag.lower()]) if has else None


def apply_bulk(db: Session, site: Site, articles: list[Article], action: str, tag: str = "") -> int:
    """Apply ``action`` to each article; returns how many changed. Flushes; the caller commits."""
    if action not in ACTIONS:
        raise ApiError(422, "invalid_fields", "Choose what to do with the articles.", {"action": "unknown"})
    tag = check_tag(action, tag)
    changed = 0
    with updates.deferred(db, site):
        for article in articles:
            patch = _patch(article, action, tag)
            if patch is not None:
                store.patch_article(db, site, article.id, patch, source="admin")
                changed += 1
    return changed
