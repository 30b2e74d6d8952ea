"""Relevance of the served related lists against curated links, through the production path.

Topics are loaded into a throw-away SQLite database and site with the demo loader (same field mapping,
same store, same index and rules); each topic's stored list is then scored against the gold file. In the
same run, on the same topics, two yardsticks are scored the same way: tuned plain TF-IDF and the index's
bare cosine (no minimum-evidence rule). Every figure is given overall and per fold (topics split by a hash
of their id, :mod:`recommender.tuning`). The evaluation opens its own engine and sessions: it needs no web app.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from articles.demo import load_topics
from articles.evaluation_report import ServedLink, TopicReport, write_report
from articles.related import pending, updates
from articles.related.index_store import IndexStore
from articles.related.models import RelatedList
from recommender.baseline import tuned_plain_tfidf
from recommender.evaluate import read_gold_tsv
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topic_records, topic_to_document
from recommender.tuning import index_predictions, score_folds
from service.db import make_engine, session_factory
from service.migrations import upgrade
from service.sites import create_site

N_FOLDS = 3


def evaluate_topics(topics: Path, gold_path: Path, k: int = 5, report: Path | None = None) -> dict[str, Any]:
    """Load ``topics`` into a fresh site and score its related lists at ``k`` against ``gold_path``.

    Returns the metrics of the served lists, ``folds`` (nDCG@k per fold), ``articles`` and ``baselines``
    (``plain_tfidf`` and ``cosine_only``, each with its metrics and folds). With ``report``, writes the
    per-topic report there (:mod:`articles.evaluation_report`).
    """
    gold = read_gold_tsv(gold_path)
    with tempfile.TemporaryDirectory(prefix="clinicreads-eval-") as folder:
        url = f"sqlite:///{Path(folder) / 'evaluation.db'}"
        upgrade(url)
        engine = make_engine(url)
        store = IndexStore.for_settings(url, secrets.token_hex(16))  # a throw-away database, a throw-away key
        sessions = session_factory(engine, store.session_info())
        try:
            with sessions() as db:
                site = create_site(db, "evaluation", "Evaluation")
                with updates.deferred(db, site):
                    _, topic_to_article = load_topics(db, site, topics)
                db.commit()
                pending.drain_site_fully(db, site)
                served = _served(db, topic_to_article, k)
        finally:
            engine.dispose()
    predictions = {topic: [link.topic_id for link in links] for topic, links in served.items()}
    result = _scores(predictions, gold, k)
    result["articles"] = len(topic_to_article)
    docs = [topic_to_document(record) for record in read_topic_records(topics)]
    settings, plain = tuned_plain_tfidf(docs, gold, k)
    cosine = index_predictions(RelatedIndex().fit(docs), sorted(gold), k)
    result["baselines"] = {
        "plain_tfidf": {**_scores(plain, gold, k), "settings": asdict(settings)},
        "cosine_only": _scores(cosine, gold, k),
    }
    if report is not None:
        titles = {doc.id: doc.title for doc in docs}
        rows = [
            TopicReport(topic, titles.get(topic, str(topic)), served.get(topic, []), gold[topic])
            for topic in sorted(gold, key=lambda t: (titles.get(t, ""), t))
        ]
        write_report(report, rows, titles, result, k)
    return result


def _scores(predictions: dict[int, list[int]], gold: dict[int, set[int]], k: int) -> dict[str, Any]:
    scores = score_folds(predictions, gold, N_FOLDS, k)
    return {**scores.overall, "folds": scores.ndcg(k)}


def _served(db: Session, topic_to_article: dict[str, int], k: int) -> dict[int, list[ServedLink]]:
    """Each topic's first ``k`` stored links, as topic ids with their score, reason and why."""
    article_to_topic = {article: int(topic) for topic, article in topic_to_article.items()}
    served: dict[int, list[ServedLink]] = {}
    for row in db.scalars(select(RelatedList)):
        topic = article_to_topic.get(row.article_id)
        if topic is not None:
            served[topic] = [
                ServedLink(article_to_topic[item["id"]], float(item["score"]), item["reason"], list(item["why"]))
                for item in row.items[:k]
                if item["id"] in article_to_topic
            ]
    return served
