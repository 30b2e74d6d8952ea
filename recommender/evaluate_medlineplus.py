"""Relevance of the default index on the MedlinePlus curated links.

python -m recommender.evaluate_medlineplus --topics PATH --gold PATH [--k 5] [--json]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from recommender.evaluate import evaluate, read_gold_tsv
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topics


def evaluate_index(index: RelatedIndex, gold: dict[int, set[int]], k: int = 5) -> dict:
    """Score ``index.related(topic, k)`` (no rules) for every gold topic."""
    predictions = {t: [n.id for n in index.related(t, k)] for t in gold if t in index}
    return evaluate(predictions, gold, k)


def evaluate_files(topics: str | Path, gold: str | Path, k: int = 5, index: RelatedIndex | None = None) -> dict:
    index = (index or RelatedIndex()).fit(read_topics(topics))
    return evaluate_index(index, read_gold_tsv(gold), k)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", required=True, type=Path)
    parser.add_argument("--gold", required=True, type=Path)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = evaluate_files(args.topics, args.gold, args.k)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        for name, value in result.items():
            print(f"{name:>14}: {value:.4f}" if isinstance(value, float) else f"{name:>14}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
