"""Every file of feedparser's own test corpus goes through parse_feed.

The corpus (≈2,100 RSS/Atom/RDF/CDF/JSON documents, many deliberately broken
or in odd encodings) ships in ``tests/data/feedparser-tests``.
Ingestion must survive every file: a per-feed error or the entries it could
read, never an exception. Counts are printed and written to
``test-artifacts/feed-corpus-summary.txt`` (gitignored) for the record.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from articles.feeds import ArticleDraft, ParsedFeed, Rejected, parse_feed
from articles.feeds.mapping import TITLE_MAX

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT / "tests" / "data" / "feedparser-tests"
SUMMARY = REPO_ROOT / "test-artifacts" / "feed-corpus-summary.txt"
FETCHED_AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def corpus_files() -> list[Path]:
    assert CORPUS.is_dir(), f"feed corpus missing at {CORPUS}"
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")


def check_draft(draft: ArticleDraft) -> None:
    assert urlsplit(draft.url).scheme in ("http", "https") and urlsplit(draft.url).hostname
    assert draft.guid
    assert draft.title and len(draft.title) <= TITLE_MAX
    assert draft.title == draft.title.strip() and "  " not in draft.title
    assert draft.published_at.tzinfo is UTC and draft.updated_at.tzinfo is UTC
    assert isinstance(draft.body_html, str)
    assert draft.image_url is None or urlsplit(draft.image_url).scheme in ("http", "https")
    assert all(isinstance(t, str) and t for t in draft.tags)
    assert draft.source == "feed"


def test_every_corpus_file_parses_without_exception():
    files = corpus_files()
    started = time.monotonic()
    crashes: list[str] = []
    errors: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    per_folder: Counter[str] = Counter()
    feeds = with_error = with_warning = n_drafts = n_rejected = 0

    for path in files:
        rel = path.relative_to(CORPUS).as_posix()
        feeds += 1
        try:
            parsed = parse_feed(
                path.read_bytes(),
                base_url=f"http://example.test/feed/{rel}",
                content_type=None,
                fetched_at=FETCHED_AT,
            )
        except Exception as exc:  # collected so one report lists every crash
            crashes.append(f"{rel}: {type(exc).__name__}: {exc}")
            continue
        assert isinstance(parsed, ParsedFeed), rel
        if parsed.error:
            with_error += 1
            assert parsed.entries == [], rel
            # group by the message's kind, not the per-file line/column detail
            errors[
                parsed.error.split(":")[0] + (": " + parsed.error.split(":")[-1].strip() if ":" in parsed.error else "")
            ] += 1
        if parsed.warning:
            with_warning += 1
        for entry in parsed.entries:
            if isinstance(entry, ArticleDraft):
                check_draft(entry)
                n_drafts += 1
                per_folder[rel.split("/")[0]] += 1
            else:
                assert isinstance(entry, Rejected), rel
                n_rejected += 1
                rejected[entry.reason] += 1

    elapsed = time.monotonic() - started
    lines = [
        f"feedparser corpus: {CORPUS}",
        f"feeds: {feeds}",
        f"feeds with errors: {with_error}",
        f"feeds with warnings (entries still read): {with_warning}",
        f"entries mapped to drafts: {n_drafts}",
        "drafts by folder: " + ", ".join(f"{k}={v}" for k, v in sorted(per_folder.items())),
        f"entries rejected: {n_rejected}",
        *(f"  rejected {count:5d}  {reason}" for reason, count in rejected.most_common()),
        "errors by kind:",
        *(f"  error {count:5d}  {kind}" for kind, count in errors.most_common()),
        f"crashes: {len(crashes)}",
        *(f"  {c}" for c in crashes),
        f"seconds: {elapsed:.1f}",
    ]
    summary = "\n".join(lines) + "\n"
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(summary, encoding="utf-8")
    print(summary)

    assert not crashes, f"{len(crashes)} corpus files raised:\n" + "\n".join(crashes[:20])
    assert feeds >= 2000
    # Guards against a silent regression (e.g. every feed suddenly an error).
    assert with_error < feeds * 0.25
    assert n_drafts > 0
    assert elapsed < 60
