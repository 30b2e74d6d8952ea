"""Cross-validated tuning: development topics split into folds by a hash of the topic id.

A change of setting is kept only when it helps on every fold, so a gain that comes from a handful of
topics (and would not hold on new articles) does not pass. The fold of a topic depends on its id alone:
adding topics never moves the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from recommender.evaluate import evaluate
from recommender.evidence import MinimumEvidence, scored_evidence
from recommender.index import RelatedIndex

#: ranked ids per topic, given the topics to predict for
Predictor = Callable[[Sequence[int]], dict[int, list[int]]]


def fold_of(topic_id: int, n_folds: int) -> int:
    """The fold of ``topic_id``: the first 8 bytes of sha256 of its decimal id, modulo ``n_folds``."""
    digest = hashlib.sha256(str(int(topic_id)).encode()).digest()
    return int.from_bytes(digest[:8], "big") % n_folds


def split_gold(gold: Mapping[int, set[int]], n_folds: int) -> list[dict[int, set[int]]]:
    """The gold links split into ``n_folds`` parts by :func:`fold_of` of the topic."""
    parts: list[dict[int, set[int]]] = [{} for _ in range(n_folds)]
    for topic, related in gold.items():
        parts[fold_of(topic, n_folds)][topic] = set(related)
    return parts


@dataclass(frozen=True)
class FoldScores:
    """One setting's metrics on the whole gold set and on each fold."""

    overall: dict
    folds: list[dict]

    def ndcg(self, k: int = 5) -> list[float]:
        return [fold[f"ndcg@{k}"] for fold in self.folds]


def score_folds(
    predictions: Mapping[int, list[int]], gold: Mapping[int, set[int]], n_folds: int, k: int = 5
) -> FoldScores:
    """Metrics of ``predictions`` overall and per fold."""
    predictions = dict(predictions)
    return FoldScores(
        overall=evaluate(predictions, dict(gold), k),
        folds=[evaluate(predictions, part, k) for part in split_gold(gold, n_folds)],
    )


def helps_on_every_fold(candidate: FoldScores, reference: FoldScores, k: int = 5, margin: float = 0.0) -> bool:
    """Whether ``candidate`` beats ``reference`` on nDCG@k by more than ``margin`` on every fold."""
    return all(c - r > margin for c, r in zip(candidate.ndcg(k), reference.ndcg(k), strict=True))


def index_predictions(
    index: RelatedIndex,
    topics: Sequence[int],
    k: int,
    rule: MinimumEvidence | None = None,
    candidates: int = 30,
    titles: Mapping[int, str] | None = None,
) -> dict[int, list[int]]:
    """Each topic's top ``k`` from ``index``: plain cosine, or re-scored and filtered by ``rule`` over the
    ``candidates`` nearest (what the stored lists do before editors' rules)."""
    out: dict[int, list[int]] = {}
    for topic in topics:
        if topic not in index:
            continue
        neighbours = index.related(topic, candidates if rule is not None else k)
        if rule is None:
            out[topic] = [n.id for n in neighbours]
            continue
        scored = []
        for neighbour, evidence in zip(
            neighbours, scored_evidence(index, topic, [n.id for n in neighbours], titles, rule), strict=True
        ):
            score = rule.score(evidence)
            if score is not None:
                scored.append((-score, neighbour.id))
        out[topic] = [doc_id for _, doc_id in sorted(scored)[:k]]
    return out
