"""Plain TF-IDF, the yardstick the related-articles index is measured against.

One scikit-learn ``TfidfVectorizer`` over title, summary and body (English stop words, cosine), with no
field weights, labels, idf power or evidence rule. :func:`tuned_plain_tfidf` picks its best settings on the
gold links it is then scored on, which flatters it: the index has to beat the yardstick at its best.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.document import Document
from recommender.evaluate import evaluate
from recommender.topk import top_k_rows

#: the grid :func:`tuned_plain_tfidf` searches
GRID = {"sublinear_tf": (False, True), "min_df": (1, 2), "title_repeats": (1, 2)}


@dataclass(frozen=True)
class PlainSettings:
    sublinear_tf: bool = True
    min_df: int = 2
    title_repeats: int = 1


def plain_predictions(
    docs: Sequence[Document], topics: Sequence[int], k: int, settings: PlainSettings
) -> dict[int, list[int]]:
    """Each topic's ``k`` nearest other documents by plain TF-IDF cosine."""
    texts = [" ".join([d.title] * settings.title_repeats + [d.summary, d.body]) for d in docs]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=settings.sublinear_tf, min_df=settings.min_df)
    matrix = vectorizer.fit_transform(texts)
    row_of = {d.id: i for i, d in enumerate(docs)}
    ids = np.array([d.id for d in docs], dtype=np.int64)
    asked = [t for t in topics if t in row_of]
    if not asked:
        return {}
    rows = np.array([row_of[t] for t in asked])
    block = (matrix[rows] @ matrix.T).toarray()
    block[np.arange(len(rows)), rows] = -1.0
    columns, values = top_k_rows(block, k)
    return {
        topic: [int(ids[c]) for c, v in zip(cs, vs, strict=True) if v > 0]
        for topic, cs, vs in zip(asked, columns, values, strict=True)
    }


def tuned_plain_tfidf(
    docs: Sequence[Document], gold: Mapping[int, set[int]], k: int = 5
) -> tuple[PlainSettings, dict[int, list[int]]]:
    """The :data:`GRID` settings with the best nDCG@k on ``gold``, and their predictions."""
    best: tuple[float, PlainSettings, dict[int, list[int]]] | None = None
    topics = sorted(gold)
    for values in itertools.product(*GRID.values()):
        settings = PlainSettings(**dict(zip(GRID, values, strict=True)))  # type: ignore[arg-type]
        predictions = plain_predictions(docs, topics, k, settings)
        ndcg = evaluate(predictions, dict(gold), k)[f"ndcg@{k}"]
        if best is None or ndcg > best[0]:
            best = (ndcg, settings, predictions)
    assert best is not None
    return best[1], best[2]
