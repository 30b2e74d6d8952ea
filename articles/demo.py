"""The demo clinic: MedlinePlus health topics loaded as articles through the same store as the API."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from articles import store
from articles.models import Article
from articles.schemas import ArticleIn
from recommender.medlineplus import read_topic_records
from service.sites import Site

#: the demo clinic's articles and the curated links of about half of them (see ``demo_data/README.md``)
DEMO_TOPICS = Path(__file__).resolve().parent / "demo_data" / "medlineplus" / "topics.jsonl.gz"
DEV_GOLD = DEMO_TOPICS.with_name("related_dev.tsv")
MEDLINEPLUS_CREDIT = "Source: MedlinePlus, National Library of Medicine"
#: Demo articles are spread over the 60 days before the site's first demo load (the "demo epoch", kept in
#: the site's settings so a second load computes the same dates and changes nothing), so digests for new
#: subscribers find fresh articles in every topic, not only those early in the alphabet.
SPREAD_HOURS = 60 * 24
EPOCH_SETTING = "demo_epoch"


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: articles at a demo address an editor changed, retired or wrote themselves: left as they are
    kept: int = 0


def editors_own(article: Article) -> bool:
    """Whether a demo load must leave the article alone: edited through the API or the admin pages,
    retired, or not written by the demo loader at all."""
    return article.edited_at is not None or article.status == "retired" or article.source != "demo"


def demo_epoch(site: Site, now: datetime) -> datetime:
    """The site's demo epoch, fixed (to the hour) at its first demo load."""
    stored = (site.settings or {}).get(EPOCH_SETTING)
    if stored:
        return datetime.fromisoformat(stored)
    epoch = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    site.settings = {**(site.settings or {}), EPOCH_SETTING: epoch.isoformat()}
    return epoch


def topic_to_article(topic: dict[str, Any], position: int, epoch: datetime) -> ArticleIn:
    """One MedlinePlus topic as an article: content as the body, synonyms as the summary,
    groups as categories, MeSH terms as tags."""
    synonyms = topic.get("synonyms") or []
    return ArticleIn(
        url=topic["url"],
        guid=f"medlineplus:{topic['id']}",
        title=topic["title"],
        summary="Also called: " + ", ".join(synonyms) if synonyms else None,
        body_html=f"<p>{html.escape(topic.get('content') or '')}</p>",
        credit=MEDLINEPLUS_CREDIT,
        tags=topic.get("mesh_terms") or [],
        categories=topic.get("groups") or [],
        published_at=epoch - timedelta(hours=(position * 37) % SPREAD_HOURS),
        status="published",
    )


def load_topics(
    db: Session, site: Site, path: Path, progress: Callable[[int], None] | None = None
) -> tuple[LoadReport, dict[str, int]]:
    """Load every topic of ``path`` into ``site``; returns counts and topic id → article id.

    Adds the missing topics and brings the demo's own untouched articles up to date; an article an editor
    edited or retired (or wrote at a demo address) is left as it is (:func:`editors_own`). ``progress`` is called
    with the number of topics loaded so far, every 100.
    """
    report = LoadReport()
    topic_ids: dict[str, int] = {}
    epoch = demo_epoch(site, datetime.now(UTC))
    for position, topic in enumerate(read_topic_records(path)):
        data = topic_to_article(topic, position, epoch)
        existing = store.find_by_url(db, site, data.url)
        if existing is not None and editors_own(existing):
            topic_ids[str(topic["id"])] = existing.id
            report.kept += 1
            continue
        result = store.upsert_article(db, site, data, source="demo")
        topic_ids[str(topic["id"])] = result.article.id
        if result.created:
            report.created += 1
        elif result.changed:
            report.updated += 1
        else:
            report.unchanged += 1
        if progress is not None and (position + 1) % 100 == 0:
            progress(position + 1)
    return report, topic_ids
