"""Relevance of the served related lists against curated links, through the production path.

Topics are loaded into a throw-away SQLite database and site with the demo loader (same field mapping,
same store, same index and rules); each topic's stored list is then scored against the gold file. The
evaluation opens its own engine and sessions: it needs no web app.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from articles.demo import load_topics
from articles.related import pending, updates
from articles.related.index_store import IndexStore
from articles.related.models import RelatedList
from recommender.evaluate import evaluate, read_gold_tsv
from service.db import make_engine, session_factory
from service.migrations import upgrade
from service.sites import create_site


def evaluate_topics(topics: Path, gold_path: Path, k: int = 5) -> dict[str, Any]:
    """Load ``topics`` into a fresh site and score its related lists at ``k`` against ``gold_path``."""
    gold = read_gold_tsv(gold_path)
    with tempfile.TemporaryDirectory(prefix="clinicreads-eval-") as folder:
        url = f"sqlite:///{Path(folder) / 'evaluation.db'}"
        upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine, IndexStore.for_settings(folder, url).session_info())
        try:
            with sessions() as db:
                site = create_site(db, "evaluation", "Evaluation")
                with updates.deferred(db, site):
                    _, topic_to_article = load_topics(db, site, topics)
                db.commit()
                pending.drain_site_fully(db, site)
                predictions = _predictions(db, topic_to_article, k)
        finally:
            engine.dispose()
    result = evaluate(predictions, gold, k)
    result["articles"] = len(topic_to_article)
    return result


def _predictions(db: Session, topic_to_article: dict[str, int], k: int) -> dict[int, list[int]]:
    article_to_topic = {article: int(topic) for topic, article in topic_to_article.items()}
    predictions = {}
    for row in db.scalars(select(RelatedList)):
        topic = article_to_topic.get(row.article_id)
        if topic is not None:
            predictions[topic] = [
                article_to_topic[item["id"]] for item in row.items[:k] if item["id"] in article_to_topic
            ]
    return predictions
