"""Writing a site's articles. Views, feeds and jobs call these; nothing here knows about HTTP."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from articles.html import html_to_text, sanitize_html, summarize
from articles.models import Article, ArticleLabel
from articles.queries import find_by_url, get_article
from articles.related import updates
from articles.schemas import ArticleIn, ArticlePatch
from articles.urls import url_key
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site

log = logging.getLogger(__name__)

HASHED_FIELDS = (
    "url",
    "guid",
    "title",
    "summary",
    "body_html",
    "author",
    "credit",
    "image_url",
    "tags",
    "categories",
    "published_at",
    "medically_reviewed_at",
    "status",
)


@dataclass
class WriteResult:
    article: Article
    created: bool
    changed: bool


def content_hash(values: dict[str, Any]) -> str:
    """A fingerprint of what an article says; an unchanged hash means a write can be skipped."""
    material = {name: values.get(name) for name in HASHED_FIELDS}
    encoded = json.dumps(material, sort_keys=True, default=lambda v: v.isoformat(), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _prepared(data: ArticleIn) -> dict[str, Any]:
    """Validated input made ready to store: HTML sanitised, text and summary derived."""
    values = data.model_dump()
    values["body_html"] = sanitize_html(values["body_html"])
    values["body_text"] = html_to_text(values["body_html"])
    if not values.get("summary"):
        values["summary"] = summarize(values["body_text"])
    return values


def _set_labels(article: Article, tags: list[str], categories: list[str]) -> None:
    wanted = [("tag", name, i) for i, name in enumerate(tags)] + [("category", n, i) for i, n in enumerate(categories)]
    article.labels = [ArticleLabel(kind=kind, name=name, position=pos) for kind, name, pos in wanted]


def _apply(article: Article, values: dict[str, Any], source: str) -> None:
    now = utcnow()
    article.canonical_url = values["url"]
    article.url_key = url_key(values["url"])
    for name in (
        "guid",
        "title",
        "summary",
        "body_html",
        "body_text",
        "author",
        "credit",
        "image_url",
        "medically_reviewed_at",
        "status",
    ):
        setattr(article, name, values[name])
    article.published_at = (
        values["published_at"] or article.published_at or (now if values["status"] == "published" else None)
    )
    article.updated_at = values["updated_at"] or now
    article.content_hash = content_hash(values)
    if source in ("api", "admin") and article.id is not None:
        article.edited_at = now
    _set_labels(article, values["tags"], values["categories"])


def _values_of(article: Article) -> dict[str, Any]:
    values = {name: getattr(article, name) for name in HASHED_FIELDS if name not in ("url", "tags", "categories")}
    values.update(
        url=article.canonical_url,
        tags=article.tags,
        categories=article.categories,
        updated_at=None,
        body_text=article.body_text,
    )
    return values


def _check_url_free(db: Session, site: Site, canonical_url: str, article_id: int | None) -> None:
    other = find_by_url(db, site, canonical_url)
    if other is not None and other.id != article_id:
        raise ApiError(409, "url_conflict", f"Article {other.id} already has this URL.", {"url": "already used"})


def upsert_article(db: Session, site: Site, data: ArticleIn, source: str = "api") -> WriteResult:
    """Create the article, or update the one with the same canonical URL. Flushes, does not commit."""
    values = _prepared(data)
    article = find_by_url(db, site, values["url"])
    if article is None:
        article = Article(site_id=site.id, source=source, created_at=utcnow())
        _apply(article, values, source)
        db.add(article)
        db.flush()
        after_write(db, site, article)
        return WriteResult(article, created=True, changed=True)
    if article.content_hash == content_hash(values):
        return WriteResult(article, created=False, changed=False)
    _apply(article, values, source)
    db.flush()
    after_write(db, site, article)
    return WriteResult(article, created=False, changed=True)


def replace_article(db: Session, site: Site, article_id: int, data: ArticleIn, source: str = "api") -> Article:
    article = get_article(db, site, article_id)
    values = _prepared(data)
    _check_url_free(db, site, values["url"], article.id)
    if article.content_hash != content_hash(values):
        _apply(article, values, source)
        db.flush()
        after_write(db, site, article)
    return article


def patch_article(db: Session, site: Site, article_id: int, patch: ArticlePatch, source: str = "api") -> Article:
    article = get_article(db, site, article_id)
    merged = _values_of(article)
    merged.update({name: getattr(patch, name) for name in patch.model_fields_set})
    if "body_html" in patch.model_fields_set and "summary" not in patch.model_fields_set:
        merged["summary"] = None
    if merged.get("body_html") is None:
        merged["body_html"] = ""
    for name in ("tags", "categories"):
        merged[name] = merged.get(name) or []
    full = ArticleIn.model_validate({k: v for k, v in merged.items() if k in ArticleIn.model_fields})
    return replace_article(db, site, article_id, full, source)


def retire_article(db: Session, site: Site, article_id: int) -> Article:
    article = get_article(db, site, article_id)
    if article.status != "retired":
        article.status = "retired"
        article.updated_at = utcnow()
        article.content_hash = content_hash(_values_of(article))
        db.flush()
        after_write(db, site, article)
    return article


def purge_article(db: Session, site: Site, article_id: int) -> None:
    article = get_article(db, site, article_id)
    showing = updates.lists_showing(db, article.id)
    db.delete(article)
    db.flush()
    updates.after_purge(db, site, article_id, showing)
    log.info("article %s of site %s purged", article_id, site.slug)


def after_write(db: Session, site: Site, article: Article) -> None:
    """Keep what depends on an article current after it was created or changed (related lists)."""
    log.debug("article %s of site %s written (status %s)", article.id, site.slug, article.status)
    updates.after_write(db, site, article)
