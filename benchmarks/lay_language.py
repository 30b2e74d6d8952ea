"""Lay-language probes on the demo clinic's development links, with plain TF-IDF measured in the same run.

    python -m benchmarks.lay_language [--json]

* **lay-name probe**: for each development topic (a ``topic_id`` of ``related_dev.tsv``) that has
  MedlinePlus "Also called" names, its first such name is the query; hit@5 of the topic itself.
* **follow-a-topic probe**: each development topic's title is the query of a subscriber following it;
  nDCG@5 of its curated related links among the other topics (the topic itself is left out of the ranking).

Every configuration ranks the same 1,017 articles, built as the demo loader builds them (title, "Also
called" summary, content, MeSH tags, groups). The baseline is scikit-learn's ``TfidfVectorizer()`` with its
defaults over each article's title, summary and content, queries transformed by the same vectorizer and
ranked by cosine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from articles.demo import DEMO_TOPICS, DEV_GOLD
from articles.synonyms.seeding import also_called_names, also_called_pairs
from recommender.document import Document
from recommender.evaluate import ndcg_at_k, read_gold_tsv
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topics

K = 5
#: a ranking function: (query, topic left out or None) -> ids, best first
Ranker = Callable[[str, int | None], list[int]]


def plain_tfidf(docs: Sequence[Document]) -> Ranker:
    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform([f"{d.title} {d.summary} {d.body}" for d in docs])
    ids = np.array([d.id for d in docs])

    def rank(query: str, leave_out: int | None) -> list[int]:
        scores = (matrix @ vectorizer.transform([query]).T).toarray().ravel()
        order = [int(i) for i in ids[np.argsort(-scores, kind="stable")] if i != leave_out]
        return order[: K + 1]

    return rank


def clinic_reads(docs: Sequence[Document], site_synonyms: bool, lexicon: bool = True) -> Ranker:
    """The production matching: RelatedIndex queries with the lexicon and the site's seeded synonyms."""
    index = RelatedIndex(lay_lexicon=lexicon).fit(docs)
    if site_synonyms:
        index.use_synonyms(also_called_pairs([(d.title, d.summary) for d in docs]))

    def rank(query: str, leave_out: int | None) -> list[int]:
        return [n.id for n in index.search(query, K + 1) if n.id != leave_out][:K]

    return rank


def lay_name_probe(rank: Ranker, docs: Sequence[Document], dev: set[int]) -> tuple[float, int]:
    queries = [(d.id, names[0]) for d in docs if d.id in dev and (names := also_called_names(d.summary))]
    hits = sum(topic in rank(name, None)[:K] for topic, name in queries)
    return hits / len(queries), len(queries)


def follow_topic_probe(rank: Ranker, docs: Sequence[Document], gold: dict[int, set[int]]) -> tuple[float, int]:
    titles = {d.id: d.title for d in docs}
    topics = [t for t in gold if t in titles and gold[t]]
    total = sum(ndcg_at_k(rank(titles[t], t)[:K], gold[t], K) for t in topics)
    return total / len(topics), len(topics)


def run() -> dict[str, dict[str, float]]:
    docs = list(read_topics(DEMO_TOPICS))
    gold = read_gold_tsv(DEV_GOLD)
    configurations: dict[str, Callable[[], Ranker]] = {
        "plain TfidfVectorizer() (baseline)": lambda: plain_tfidf(docs),
        "Clinic Reads, no lexicon, no site synonyms": lambda: clinic_reads(docs, site_synonyms=False, lexicon=False),
        "Clinic Reads, lexicon, no site synonyms": lambda: clinic_reads(docs, site_synonyms=False),
        "Clinic Reads, lexicon + seeded site synonyms": lambda: clinic_reads(docs, site_synonyms=True),
    }
    out: dict[str, dict[str, float]] = {}
    for name, build in configurations.items():
        start = time.perf_counter()
        rank = build()
        hit, n_lay = lay_name_probe(rank, docs, set(gold))
        ndcg, n_follow = follow_topic_probe(rank, docs, gold)
        out[name] = {
            "lay_name_hit@5": hit,
            "lay_name_queries": n_lay,
            "follow_topic_ndcg@5": ndcg,
            "follow_topic_queries": n_follow,
            "seconds": time.perf_counter() - start,
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    results = run()
    if args.json:
        print(json.dumps(results, sort_keys=True))
        return 0
    print(f"{'configuration':<46}{'lay-name hit@5':>16}{'follow nDCG@5':>15}{'seconds':>9}")
    for name, row in results.items():
        print(f"{name:<46}{row['lay_name_hit@5']:>16.3f}{row['follow_topic_ndcg@5']:>15.3f}{row['seconds']:>9.1f}")
    first = next(iter(results.values()))
    print(f"queries: lay-name {first['lay_name_queries']:.0f}, follow-a-topic {first['follow_topic_queries']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
