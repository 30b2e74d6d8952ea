"""What pruning the all-pairs product costs in relevance, on the MedlinePlus development links.

    python -m benchmarks.pairs_relevance [--k 5] [--json]

The demo clinic's 1,017 MedlinePlus topics are fitted with the shipped index, then every topic's top-20
neighbours are computed twice in the same run: with the exact full product and with the pruned product of a
full rebuild (:meth:`recommender.index.RelatedIndex.all_pairs_topk`), forced on although the corpus is
below ``PRUNE_FROM``, at the shipped settings and at harsher ones. Printed: nDCG@k (and recall@k) of each
against the curated links of ``related_dev.tsv``, the difference, and how many top-20 lists differ.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from articles.demo import DEMO_TOPICS, DEV_GOLD
from recommender.evaluate import evaluate, read_gold_tsv
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topics
from recommender.topk import chunked_top_k, pruned_top_k

TOP_K = 20


def measure(k: int, settings: list[tuple[float, int]]) -> dict:
    gold = read_gold_tsv(DEV_GOLD)
    index = RelatedIndex().fit(read_topics(DEMO_TOPICS))
    matrix, n = index.main_, index.main_.shape[0]
    ids = index.ids_
    shared = index.n_features_ - index.vectorizer_.n_query_only_
    df = np.diff(index.main_t_.indptr)[:shared]

    def scored(cols: np.ndarray) -> dict:
        predictions = {int(ids[r]): [int(ids[c]) for c in cols[r] if c >= 0] for r in range(n)}
        return evaluate({t: p for t, p in predictions.items() if t in gold}, gold, k)

    exact_cols, _ = chunked_top_k(matrix, index.main_t_, TOP_K, 256, exclude_diagonal=True)
    exact = scored(exact_cols)
    out = {"articles": n, "k": k, "exact": exact, "pruned": []}
    for max_df, candidates in settings:
        keep = np.flatnonzero(df <= max_df * n)
        cols, _ = pruned_top_k(matrix, index.main_t_, keep, TOP_K, candidates, 256)
        result = scored(cols)
        out["pruned"].append(
            {
                "max_df": max_df,
                "candidates": candidates,
                "terms_left_out": int(shared - len(keep)),
                "metrics": result,
                "ndcg_cost": exact[f"ndcg@{k}"] - result[f"ndcg@{k}"],
                "lists_differing": int(sum(set(a) != set(b) for a, b in zip(exact_cols, cols, strict=True))),
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    shipped = RelatedIndex()
    settings = [(shipped.pairs_max_df or 1.0, shipped.pairs_candidates), (0.02, 40), (0.05, 20), (0.01, 40)]
    result = measure(args.k, settings)
    if args.json:
        print(json.dumps(result))
        return 0
    key = f"ndcg@{args.k}"
    print(f"{result['articles']:,} MedlinePlus topics; nDCG@{args.k} of the raw top-{TOP_K} lists on the dev links")
    print(f"  exact full product:                          {result['exact'][key]:.4f}")
    for row in result["pruned"]:
        label = f"pruned max_df {row['max_df']:g}, {row['candidates']} candidates"
        print(
            f"  {label:<44} {row['metrics'][key]:.4f}  cost {row['ndcg_cost']:+.4f}  "
            f"({row['terms_left_out']:,} terms left out of the product, {row['lists_differing']:,} lists differ)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
