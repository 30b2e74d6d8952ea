"""Print the cross-validated tuning log of the related-links ranking (Markdown), on the shipped dev links.

.venv/bin/python scripts/relevance_tuning.py

Greedy, one setting at a time in the order below: each value is scored overall and per fold (topics split by
a hash of their id); a value is kept only when it beats the settings kept so far on every fold, and among such
values the one with the best overall nDCG@5 wins.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from articles.demo import DEMO_TOPICS, DEV_GOLD  # noqa: E402
from recommender.evaluate import read_gold_tsv  # noqa: E402
from recommender.evidence import MinimumEvidence  # noqa: E402
from recommender.index import DEFAULT_FIELD_WEIGHTS, RelatedIndex  # noqa: E402
from recommender.medlineplus import read_topics  # noqa: E402
from recommender.tuning import FoldScores, helps_on_every_fold, index_predictions, score_folds  # noqa: E402

N_FOLDS = 3
INDEX_STEPS: list[tuple[str, list[dict]]] = [
    ("tags weight", [{"tags": 0.1}, {"tags": 0.3}]),
    ("categories weight", [{"categories": 0.05}, {"categories": 0.2}]),
    ("title weight", [{"title": 1.0}, {"title": 3.0}]),
    ("summary weight", [{"summary": 2.0}]),
    ("idf power", [{"idf_power": 1.5}, {"idf_power": 2.5}]),
]
RULE_STEPS: list[tuple[str, list[dict]]] = [
    ("mention_bonus", [{"mention_bonus": v} for v in (0.02, 0.03, 0.04, 0.05, 0.08)]),
    ("label_min_peak", [{"label_min_peak": v} for v in (0.02, 0.03, 0.04, 0.05)]),
    ("label_gate", [{"label_gate": v} for v in (0.05, 0.1, 0.2)]),
    ("min_text", [{"min_text": v} for v in (0.02, 0.03, 0.04, 0.06)]),
    (
        "min_terms, few_terms_min_text",
        [{"min_terms": t, "few_terms_min_text": m} for t, m in ((1.5, 0.08), (1.5, 0.12), (2.0, 0.08), (3.0, 0.12))],
    ),
]


def row(step: str, value: str, scores: FoldScores, kept: str) -> str:
    folds = " | ".join(f"{x:.4f}" for x in scores.ndcg())
    return f"| {step} | {value} | {scores.overall['ndcg@5']:.4f} | {folds} | {kept} |"


def main() -> None:
    docs = list(read_topics(DEMO_TOPICS))
    gold = read_gold_tsv(DEV_GOLD)
    topics = sorted(gold)
    titles = {d.id: d.title for d in docs}
    print("| step | setting | nDCG@5 | fold 0 | fold 1 | fold 2 | kept |")
    print("|---|---|---|---|---|---|---|")
    params: dict = {"field_weights": dict(DEFAULT_FIELD_WEIGHTS), "idf_power": 2.0}
    index = RelatedIndex(**params).fit(docs)
    best = score_folds(index_predictions(index, topics, 5), gold, N_FOLDS)
    print(row("start", "the index as it was (cosine only)", best, "-"))
    for step, options in INDEX_STEPS:
        winner = None
        for option in options:
            trial = {"field_weights": dict(params["field_weights"]), "idf_power": params["idf_power"]}
            for key, value in option.items():
                if key == "idf_power":
                    trial["idf_power"] = value
                else:
                    trial["field_weights"][key] = value
            scores = score_folds(index_predictions(RelatedIndex(**trial).fit(docs), topics, 5), gold, N_FOLDS)
            ok = helps_on_every_fold(scores, best)
            print(row(step, str(option), scores, "candidate" if ok else "no"))
            if ok and (winner is None or scores.overall["ndcg@5"] > winner[1].overall["ndcg@5"]):
                winner = (trial, scores)
        if winner:
            params, best = winner[0], winner[1]
            print(row(step, f"**kept** {params}", best, "yes"))
    index = RelatedIndex(**params).fit(docs)
    rule = MinimumEvidence()
    scores = score_folds(index_predictions(index, topics, 5, rule, titles=titles), gold, N_FOLDS)
    print(row("rule", "needs shared text (text part > 0)", scores, "yes (the rule's floor)"))
    best = scores
    for step, options in RULE_STEPS:
        rule_winner = None
        for option in options:
            candidate = replace(rule, **option)
            scores = score_folds(index_predictions(index, topics, 5, candidate, titles=titles), gold, N_FOLDS)
            ok = helps_on_every_fold(scores, best)
            print(row(step, str(option), scores, "candidate" if ok else "no"))
            if ok and (rule_winner is None or scores.overall["ndcg@5"] > rule_winner[1].overall["ndcg@5"]):
                rule_winner = (candidate, scores)
        if rule_winner:
            rule, best = rule_winner
            print(row(step, f"**kept** {rule.as_dict()}", best, "yes"))
    print()
    print(f"final index parameters: {params}")
    print(f"final rule: {rule.as_dict()}")


if __name__ == "__main__":
    main()
