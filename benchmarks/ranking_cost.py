"""What the latent space and the feedback cost, on the MedlinePlus demo topics.

    python -m benchmarks.ranking_cost [--json]

The demo clinic's 1,017 MedlinePlus topics are fitted twice in the same run, without the latent space
(``latent_components=0``, the fit as it was) and with the shipped default, and the CPU time of each fit is
printed with their ratio. Then every topic's 30 raw neighbours are scored by the minimum-evidence rule the way a
stored list is built: by the rule as it was (no latent blend, no feedback) and by the shipped rule
(:func:`recommender.evidence.scored_evidence`); printed: the CPU time per article of each and their ratio.
CPU times, because wall times inflate when other work shares the machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from articles.demo import DEMO_TOPICS
from recommender.evidence import DEFAULT_MINIMUM_EVIDENCE, scored_evidence
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topics

CANDIDATES = 30


def cpu(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.process_time()
    value = fn()
    return value, time.process_time() - started


def measure() -> dict[str, float]:
    docs = list(read_topics(DEMO_TOPICS))
    titles = {d.id: d.title for d in docs}
    plain, plain_s = cpu(lambda: RelatedIndex(latent_components=0).fit(docs))
    shipped, shipped_s = cpu(lambda: RelatedIndex().fit(docs))
    before_rule = replace(DEFAULT_MINIMUM_EVIDENCE, latent_weight=0.0, feedback_weight=0.0)

    def score_all(index: RelatedIndex, rule: Any) -> None:
        for doc in docs:
            neighbours = [n.id for n in index.related(doc.id, CANDIDATES)]
            for evidence in scored_evidence(index, doc.id, neighbours, titles, rule):
                rule.score(evidence)

    _, before_lists_s = cpu(lambda: score_all(plain, before_rule))
    _, after_lists_s = cpu(lambda: score_all(shipped, DEFAULT_MINIMUM_EVIDENCE))
    n = len(docs)
    return {
        "articles": n,
        "fit_before_s": plain_s,
        "fit_after_s": shipped_s,
        "fit_ratio": shipped_s / plain_s,
        "list_before_ms": 1000 * before_lists_s / n,
        "list_after_ms": 1000 * after_lists_s / n,
        "list_ratio": after_lists_s / before_lists_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure()
    if args.json:
        print(json.dumps(result, sort_keys=True))
        return 0
    print(f"{result['articles']:,} articles (CPU time)")
    print(
        f"  fit: {result['fit_before_s']:.2f} s without the latent space, {result['fit_after_s']:.2f} s with it "
        f"({result['fit_ratio']:.2f}x)"
    )
    print(
        f"  one list's rule scores over {CANDIDATES} candidates: {result['list_before_ms']:.2f} ms before, "
        f"{result['list_after_ms']:.2f} ms with the latent blend and the feedback ({result['list_ratio']:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
