"""Ranking quality against curated links: precision, recall, nDCG, MRR, MAP.

Relevance is binary.  Every metric is computed per topic and averaged over
the topics that have at least one gold link; a topic with gold links but no
prediction counts as zero.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path


def precision_at_k(predicted: Sequence[int], relevant: set[int], k: int) -> float:
    return sum(1 for p in predicted[:k] if p in relevant) / k


def recall_at_k(predicted: Sequence[int], relevant: set[int], k: int) -> float:
    if not relevant:
        return 0.0
    return sum(1 for p in predicted[:k] if p in relevant) / len(relevant)


def ndcg_at_k(predicted: Sequence[int], relevant: set[int], k: int) -> float:
    """Binary-relevance nDCG; the ideal DCG puts min(k, |relevant|) hits first."""
    dcg = sum(1 / math.log2(i + 2) for i, p in enumerate(predicted[:k]) if p in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def reciprocal_rank(predicted: Sequence[int], relevant: set[int], k: int | None = None) -> float:
    for i, p in enumerate(predicted[:k] if k else predicted):
        if p in relevant:
            return 1 / (i + 1)
    return 0.0


def average_precision(predicted: Sequence[int], relevant: set[int], k: int | None = None) -> float:
    """AP@k: mean of precision at each hit, divided by min(k, |relevant|)."""
    if not relevant:
        return 0.0
    ranked = predicted[:k] if k else predicted
    hits, total = 0, 0.0
    for i, p in enumerate(ranked):
        if p in relevant:
            hits += 1
            total += hits / (i + 1)
    return total / min(len(relevant), k or len(relevant))


def evaluate(predictions: dict[int, list[int]], gold: dict[int, set[int]], k: int = 5) -> dict:
    """Mean metrics over the topics with gold links.

    Returns ``{"precision@k", "recall@k", "ndcg@k", "mrr", "map", "topics"}``
    where ``k`` is the number; MRR and MAP are cut at ``k`` too.
    """
    topics = [t for t, rel in gold.items() if rel]
    sums: dict[str, float] = defaultdict(float)
    for t in topics:
        pred, rel = list(predictions.get(t, [])), gold[t]
        sums[f"precision@{k}"] += precision_at_k(pred, rel, k)
        sums[f"recall@{k}"] += recall_at_k(pred, rel, k)
        sums[f"ndcg@{k}"] += ndcg_at_k(pred, rel, k)
        sums["mrr"] += reciprocal_rank(pred, rel, k)
        sums["map"] += average_precision(pred, rel, k)
    n = len(topics)
    result = {name: (total / n if n else 0.0) for name, total in sums.items()}
    if not n:
        result = {m: 0.0 for m in (f"precision@{k}", f"recall@{k}", f"ndcg@{k}", "mrr", "map")}
    result["topics"] = n
    return result


def read_gold_tsv(path: str | Path) -> dict[int, set[int]]:
    """Read ``topic_id<TAB>related_id`` lines (with that header) into sets."""
    gold: dict[int, set[int]] = defaultdict(set)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t")
        header = next(reader, None)
        if header != ["topic_id", "related_id"]:
            raise ValueError(f"{path}: expected header 'topic_id<TAB>related_id', got {header!r}")
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != 2:
                raise ValueError(f"{path}:{line_no}: expected 2 columns, got {len(row)}")
            gold[int(row[0])].add(int(row[1]))
    return dict(gold)
