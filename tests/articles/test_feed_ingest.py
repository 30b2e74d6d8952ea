"""Drafts into articles: validation, deduplication, and the whole feedparser corpus into a real database."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from articles import store
from articles.feeds.ingest import ingest_entries, ingest_feed
from articles.feeds.mapping import ArticleDraft, Rejected
from articles.models import Article
from articles.related import updates
from articles.related.models import RelatedList
from service import db as database
from service.sites import Site
from tests.conftest import REPO_ROOT, add_site, article_payload

CORPUS = REPO_ROOT / "tests" / "data" / "feedparser-tests"
SUMMARY = REPO_ROOT / "test-artifacts" / "feed-ingest-corpus-summary.txt"
FETCHED_AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def draft(n: int, **overrides) -> ArticleDraft:
    values = dict(
        url=f"https://news.example/a/{n}",
        guid=f"urn:a:{n}",
        title=f"Article {n} on sleep",
        summary=f"Sleep advice number {n}.",
        body_html=f"<p>Sleep advice number {n}.</p>",
        author=None,
        image_url=None,
        tags=("sleep",),
        published_at=FETCHED_AT,
        updated_at=FETCHED_AT,
    )
    values.update(overrides)
    return ArticleDraft(**values)


@pytest.fixture
def db(app):
    with app.app_context(), database.new_session() as session:
        yield session


@pytest.fixture
def site(app, db):
    return db.get(Site, add_site(app, "clinic-a").site.id)


def ingest(db, site, entries):
    counts = ingest_entries(db, site, entries, FETCHED_AT)
    db.commit()
    return counts


def test_guid_first_then_canonical_url(db, site):
    assert ingest(db, site, [draft(1), draft(2)]).created == 2
    moved = ingest(db, site, [draft(1, url="https://news.example/moved/1", title="Moved")])
    assert (moved.created, moved.updated) == (0, 1)
    assert db.scalar(select(Article.canonical_url).where(Article.guid == "urn:a:1")) == "https://news.example/moved/1"
    regid = ingest(db, site, [draft(2, guid="urn:new:2", url="https://NEWS.example/a/2?utm_source=rss")])
    assert (regid.created, regid.updated) == (0, 1)
    assert db.scalar(select(func.count()).select_from(Article)) == 2


def test_moving_onto_another_articles_url_is_rejected(db, site):
    ingest(db, site, [draft(1), draft(2)])
    counts = ingest(db, site, [draft(1, url="https://news.example/a/2")])
    assert counts.rejected == 1 and "already has this URL" in counts.rejections[0]["reason"]


def test_api_created_article_is_the_editors(app, db, site, client):
    key = add_site(app, "clinic-z")
    client.post("/api/v1/articles", json=article_payload(url="https://news.example/a/1"), headers=key.headers)
    zsite = db.get(Site, key.site.id)
    assert ingest(db, zsite, [draft(1)]).skipped_edited == 1
    assert db.scalar(select(Article.source).where(Article.site_id == zsite.id)) == "api"


def test_a_retired_import_stays_retired(db, site):
    ingest(db, site, [draft(1)])
    article_id = db.scalar(select(Article.id))
    store.retire_article(db, site, article_id)
    site.settings = {"overwrite_editor_edits": True}
    db.commit()
    counts = ingest(db, site, [draft(1, title="Changed in the feed")])
    assert counts.skipped_edited == 1
    db.expire_all()
    assert db.get(Article, article_id).status == "retired"


def test_feed_sized_fields_fit_the_api_limits(db, site):
    long_summary = "word " * 1000
    tags = tuple(f"tag {i}" for i in range(80))
    counts = ingest(db, site, [draft(1, summary=long_summary, tags=tags, title="Nul\x00 title")])
    assert counts.created == 1, counts.rejections
    article = db.scalar(select(Article))
    assert len(article.summary) <= 2000 and article.summary.endswith("…")
    assert len(article.tags) == 50 and article.title == "Nul title"


def test_rejections_are_counted_and_capped(db, site):
    entries = [Rejected(reason="missing link", guid=f"g{i}") for i in range(60)] + [draft(1, image_url="ftp://x/y")]
    counts = ingest(db, site, entries)
    assert (counts.seen, counts.rejected, counts.created) == (61, 61, 0)
    assert len(counts.rejections) == 50


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"feed corpus missing at {CORPUS} (required when CI=true)")
        pytest.skip(f"feed corpus not found at {CORPUS}")
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")


def test_every_corpus_file_is_ingested_into_a_real_database(sqlite_app):
    files = corpus_files()
    started = time.monotonic()
    reasons: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    with sqlite_app.app_context(), database.new_session() as db:
        site = db.get(Site, add_site(sqlite_app, "corpus").site.id)
        with updates.deferred(db, site):  # lists built once, at the end
            for path in files:
                rel = path.relative_to(CORPUS).as_posix()
                parsed, counts = ingest_feed(
                    db,
                    site,
                    path.read_bytes(),
                    base_url=f"http://example.test/feed/{rel}",
                    content_type=None,
                    fetched_at=FETCHED_AT,
                )
                totals["feeds"] += 1
                totals["unreadable feeds"] += 1 if parsed.error else 0
                for name, value in counts.as_dict().items():
                    totals[name] += value
                reasons.update(r["reason"].split(":")[0] for r in counts.rejections)
        db.commit()
        articles = db.scalar(select(func.count()).select_from(Article))
        lists = db.scalar(select(func.count()).select_from(RelatedList))
    elapsed = time.monotonic() - started
    lines = [
        f"feedparser corpus ingested into SQLite: {CORPUS}",
        *(
            f"{name}: {totals[name]}"
            for name in (
                "feeds",
                "unreadable feeds",
                "seen",
                "created",
                "updated",
                "unchanged",
                "skipped_edited",
                "rejected",
            )
        ),
        f"articles stored: {articles}",
        f"related lists stored: {lists}",
        "rejected by reason (kept reasons, first 50 per feed):",
        *(f"  {count:5d}  {reason}" for reason, count in reasons.most_common()),
        f"seconds: {elapsed:.1f}",
    ]
    summary = "\n".join(lines) + "\n"
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(summary, encoding="utf-8")
    print(summary)
    assert totals["feeds"] >= 2000
    assert totals["created"] > 0 and articles == totals["created"]
    assert totals["seen"] == totals["created"] + totals["updated"] + totals["unchanged"] + totals["rejected"]
    assert elapsed < 90
