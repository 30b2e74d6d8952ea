"""Writing a site's articles. Views, feeds and jobs call these; nothing here knows about HTTP."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from articles.html import html_to_text, sanitize_html, summarize
from articles.models import Article, ArticleLabel
from articles.queries import find_by_url, get_article
from articles.related import updates
from articles.schemas import ArticleIn, ArticlePatch, parse_model
from articles.urls import url_key
from service import audit
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


#: the prepared values every write copies into the article as they are
_COPIED = (
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
)


def _apply(article: Article, values: dict[str, Any], source: str) -> None:
    now = utcnow()
    article.canonical_url = values["url"]
    article.url_key = url_key(values["url"])
    for name in _COPIED:
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


#: the fields an audit entry keeps of an article's previous version (enough to restore it; the guid stays)
RESTORABLE_FIELDS = tuple(name for name in HASHED_FIELDS if name != "guid")


def version_of(article: Article) -> dict[str, Any]:
    """The article's editable fields as JSON (times as ISO 8601): what an audit entry keeps of a version."""
    values = _values_of(article)
    return {
        name: (value.isoformat() if isinstance(value, datetime) else value)
        for name, value in values.items()
        if name in RESTORABLE_FIELDS
    }


def _audit_write(db: Session, site: Site, article: Article, action: str, before: dict[str, Any] | None) -> None:
    after = version_of(article)
    changed = sorted(name for name in after if before is not None and before.get(name) != after[name])
    summary = f"“{article.title}”" + (f": {', '.join(changed)}" if changed else "")
    audit.record(db, site.id, "article", action, summary, article.id, before=before, after=after)


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
        _audit_write(db, site, article, "created", None)
        return WriteResult(article, created=True, changed=True)
    if article.content_hash == content_hash(values):
        return WriteResult(article, created=False, changed=False)
    before = version_of(article)
    _apply(article, values, source)
    db.flush()
    after_write(db, site, article)
    _audit_write(db, site, article, "edited", before)
    return WriteResult(article, created=False, changed=True)


#: the tables themselves: the bulk path inserts plain rows, without the ORM's per-object bookkeeping
_ARTICLES = cast(Table, Article.__table__)
_LABELS = cast(Table, ArticleLabel.__table__)


@dataclass
class BulkResult:
    article_id: int
    created: bool
    changed: bool


def _new_row(site: Site, values: dict[str, Any], source: str, digest: str, now: datetime) -> dict[str, Any]:
    """The ``articles`` row of a new article, as :func:`_apply` would set it."""
    row = {name: values[name] for name in _COPIED}
    row.update(
        site_id=site.id,
        source=source,
        created_at=now,
        canonical_url=values["url"],
        url_key=url_key(values["url"]),
        published_at=values["published_at"] or (now if values["status"] == "published" else None),
        updated_at=values["updated_at"] or now,
        content_hash=digest,
    )
    return row


def _label_rows(article_id: int, values: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"article_id": article_id, "kind": kind, "name": name, "position": position}
        for kind, field in (("tag", "tags"), ("category", "categories"))
        for position, name in enumerate(values[field])
    ]


def upsert_many(db: Session, site: Site, items: list[ArticleIn], source: str = "api") -> list[BulkResult]:
    """:func:`upsert_article` for many articles at once (the bulk API): one lookup of the existing articles,
    new articles inserted in batches (no ORM objects), and every written article queued for its related list
    together. Does not commit. An address given twice counts as one article: the later item updates it.
    """
    prepared = [_prepared(data) for data in items]
    urls = list({values["url"] for values in prepared})
    existing: dict[str, Article] = {}
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        query = select(Article).where(Article.site_id == site.id, Article.canonical_url.in_(chunk))
        existing.update({article.canonical_url: article for article in db.scalars(query)})
    now = utcnow()
    outcomes: list[tuple[str, str | Article, bool, bool]] = []  # (url, url of a new row or the article, ...)
    new_rows: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    written: list[Article] = []
    with db.no_autoflush:
        for values in prepared:
            digest, url = content_hash(values), values["url"]
            article = existing.get(url)
            if article is not None:
                changed = article.content_hash != digest
                if changed:
                    _apply(article, values, source)
                    written.append(article)
                outcomes.append((url, article, False, changed))
            elif url in new_rows:
                changed = new_rows[url][0]["content_hash"] != digest
                if changed:
                    new_rows[url] = (_new_row(site, values, source, digest, now), values)
                outcomes.append((url, url, False, changed))
            else:
                new_rows[url] = (_new_row(site, values, source, digest, now), values)
                outcomes.append((url, url, True, True))
    db.flush()
    new_ids: dict[str, int] = {}
    pending = list(new_rows.items())
    for start in range(0, len(pending), 500):
        chunk = pending[start : start + 500]
        ids = db.scalars(
            insert(_ARTICLES).returning(_ARTICLES.c.id, sort_by_parameter_order=True), [row for _, (row, _) in chunk]
        ).all()
        new_ids.update({url: article_id for (url, _), article_id in zip(chunk, ids, strict=True)})
        labels = [label for (url, (_, values)) in chunk for label in _label_rows(new_ids[url], values)]
        if labels:
            db.execute(insert(_LABELS), labels)
    updates.queue(db, site, [*new_ids.values(), *(article.id for article in written)])
    if new_ids or written:
        audit.record(
            db, site.id, "article", "bulk", f"{len(new_ids)} created, {len(written)} changed in one bulk write"
        )
    return [
        BulkResult(target.id if isinstance(target, Article) else new_ids[url], created, changed)
        for url, target, created, changed in outcomes
    ]


def replace_article(
    db: Session, site: Site, article_id: int, data: ArticleIn, source: str = "api", audit_action: str = "edited"
) -> Article:
    article = get_article(db, site, article_id)
    values = _prepared(data)
    _check_url_free(db, site, values["url"], article.id)
    if article.content_hash != content_hash(values):
        before = version_of(article)
        _apply(article, values, source)
        db.flush()
        after_write(db, site, article)
        _audit_write(db, site, article, audit_action, before)
    return article


def restore_version(
    db: Session, site: Site, article_id: int, version: dict[str, Any], source: str = "admin"
) -> Article:
    """Put back an article's earlier version (as :func:`version_of` recorded it in the audit log); the
    restore is itself an edit, recorded as "restored". 404 when the article is gone, 422 when the old
    version no longer passes today's checks."""
    values = {name: version.get(name) for name in RESTORABLE_FIELDS if name in version}
    data = parse_model(ArticleIn, values)
    return replace_article(db, site, article_id, data, source, audit_action="restored")


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
        before = version_of(article)
        article.status = "retired"
        article.updated_at = utcnow()
        article.content_hash = content_hash(_values_of(article))
        db.flush()
        after_write(db, site, article)
        _audit_write(db, site, article, "retired", before)
    return article


def purge_article(db: Session, site: Site, article_id: int) -> list[int]:
    """Delete the article; returns the articles whose lists showed it (queued for a refill)."""
    article = get_article(db, site, article_id)
    showing = updates.lists_showing(db, article.id)
    audit.record(db, site.id, "article", "purged", f"“{article.title}”", article.id, before=version_of(article))
    db.delete(article)
    db.flush()
    updates.after_purge(db, site, article_id, showing)
    log.info("article %s of site %s purged", article_id, site.slug)
    return sorted(showing)


def after_write(db: Session, site: Site, article: Article) -> None:
    """Keep what depends on an article current after it was created or changed (related lists)."""
    log.debug("article %s of site %s written (status %s)", article.id, site.slug, article.status)
    updates.after_write(db, site, article)
