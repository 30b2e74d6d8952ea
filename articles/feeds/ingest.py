"""Feed entries (``ArticleDraft``/``Rejected``) into a site's articles.

Each draft passes the same validation as the editors' API (``ArticleIn``) and is written through
``articles.store``, so sanitising, canonical URLs, content hashes and related lists work as for any
other write. An entry is matched to an existing article by its guid first, then by canonical URL.

Choices editors see:

* An article an editor owns is left alone (``skipped_edited``): one changed through the API or admin
  pages after import (``edited_at`` set), or one created there in the first place. The site setting
  ``overwrite_editor_edits`` makes the feed win instead. A retired article always stays retired (the
  feed still listing it does not bring it back).
* Feed summaries are often whole articles: a summary longer than the API's 2,000 characters is cut at
  a word (the body keeps the full text); the entry's first 20 categories become the article's
  categories and the next 50 its tags (see ``mapping.py``). Anything else
  the API would refuse makes the entry ``rejected`` with the field errors as the reason.
* An entry without a date gets the fetch time as its publication date when it is first imported; on
  later polls the stored date is kept, so an undated entry does not look changed on every poll.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from articles import queries, store
from articles.feeds.mapping import ArticleDraft, EntryResult, Rejected
from articles.feeds.parse import ParsedFeed, parse_feed
from articles.models import Article
from articles.related import updates
from articles.schemas import ArticleIn, field_errors
from service.errors import ApiError
from service.sites import Site

REJECTIONS_KEPT = 50
SUMMARY_MAX = 2000
TAGS_MAX = 50
EDITOR_SOURCES = ("api", "admin")


@dataclass
class IngestCounts:
    """What one feed's entries did. ``rejections`` keeps the first 50 reasons."""

    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_edited: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, reason: str, guid: str | None, link: str | None) -> None:
        self.rejected += 1
        if len(self.rejections) < REJECTIONS_KEPT:
            self.rejections.append({"guid": guid, "link": link, "reason": reason})

    def as_dict(self) -> dict[str, int]:
        return {
            "seen": self.seen,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped_edited": self.skipped_edited,
            "rejected": self.rejected,
        }


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def strip_nul(value: Any) -> Any:
    """NUL characters removed: PostgreSQL refuses them in text, and they mean nothing in an article."""
    return value.replace("\x00", "") if value else value


def draft_payload(draft: ArticleDraft) -> dict[str, Any]:
    """The draft as an editors' API body (fitted to the API's summary and tag limits)."""
    summary = _cut(draft.summary.strip(), SUMMARY_MAX) if draft.summary else None
    text = {
        "url": draft.url,
        "guid": draft.guid,
        "title": draft.title,
        "summary": summary,
        "body_html": draft.body_html,
        "author": draft.author,
        "image_url": draft.image_url,
    }
    return {
        **{name: strip_nul(value) for name, value in text.items()},
        "tags": [strip_nul(t) for t in draft.tags[:TAGS_MAX]],
        "categories": [strip_nul(c) for c in draft.categories],
        "published_at": draft.published_at,
        "updated_at": draft.updated_at,
    }


def _reason(exc: ValidationError) -> str:
    return "invalid " + "; ".join(f"{name}: {message}" for name, message in field_errors(exc).items())


def _by_guid(db: Session, site: Site, guid: str | None) -> Article | None:
    if not guid:
        return None
    return db.scalar(
        select(Article).where(Article.site_id == site.id, Article.guid == guid).order_by(Article.id).limit(1)
    )


def _editor_owned(article: Article) -> bool:
    return article.edited_at is not None or article.source in EDITOR_SOURCES


def ingest_draft(db: Session, site: Site, draft: ArticleDraft, fetched_at: datetime, counts: IngestCounts) -> None:
    """Write one draft (or count why not). Raises only for unexpected database errors."""
    payload = draft_payload(draft)
    try:
        data = ArticleIn.model_validate(payload)
    except ValidationError as exc:
        counts.reject(_reason(exc), draft.guid, draft.url)
        return
    existing = _by_guid(db, site, data.guid) or queries.find_by_url(db, site, data.url)
    if existing is not None:
        if existing.status == "retired" or (_editor_owned(existing) and not site.setting("overwrite_editor_edits")):
            counts.skipped_edited += 1
            return
        if draft.published_at == fetched_at and existing.published_at is not None:
            data = data.model_copy(update={"published_at": existing.published_at})
        before = existing.content_hash
        try:
            store.replace_article(db, site, existing.id, data, source="feed")
        except ApiError as exc:  # the entry's new URL belongs to another article
            counts.reject(exc.message, draft.guid, draft.url)
            return
        if existing.content_hash == before:
            counts.unchanged += 1
        else:
            counts.updated += 1
        return
    result = store.upsert_article(db, site, data, source="feed")
    counts.created += 1 if result.created else 0
    counts.updated += 1 if not result.created and result.changed else 0
    counts.unchanged += 1 if not result.created and not result.changed else 0


def ingest_entries(db: Session, site: Site, entries: Iterable[EntryResult], fetched_at: datetime) -> IngestCounts:
    """Write a feed's entries; related lists are brought up to date once, at the end. Flushes, never commits."""
    counts = IngestCounts()
    with updates.deferred(db, site):
        for entry in entries:
            counts.seen += 1
            if isinstance(entry, Rejected):
                counts.reject(entry.reason, entry.guid, entry.link)
            else:
                ingest_draft(db, site, entry, fetched_at, counts)
    return counts


def ingest_feed(
    db: Session, site: Site, content: bytes, *, base_url: str, content_type: str | None, fetched_at: datetime
) -> tuple[ParsedFeed, IngestCounts]:
    """Parse fetched bytes and write their entries (nothing is written when the feed is unreadable)."""
    parsed = parse_feed(content, base_url=base_url, content_type=content_type, fetched_at=fetched_at)
    if parsed.error:
        return parsed, IngestCounts()
    return parsed, ingest_entries(db, site, parsed.entries, fetched_at)
