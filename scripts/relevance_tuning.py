"""Print the cross-validated tuning log of the related-links ranking (Markdown), on the shipped dev links.

.venv/bin/python scripts/relevance_tuning.py

Greedy, one setting at a time in the order below: each value is scored overall and per fold (topics split by
a hash of their id); a value is kept only when it beats the settings kept so far on every fold, and among such
values the one with the best overall nDCG@5 wins.

After the rule come the latent-semantic blend (each dimension count refits the index), the feedback from an
article's own first links (Rocchio's), the field weights again under the final rule, and re-scorings of each
article's candidates that are measured here and not shipped: a reciprocal-neighbour bonus and title phrases.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from articles.demo import DEMO_TOPICS, DEV_GOLD  # noqa: E402
from recommender import evidence as evidence_module  # noqa: E402
from recommender.document import Document  # noqa: E402
from recommender.evaluate import read_gold_tsv  # noqa: E402
from recommender.evidence import MinimumEvidence, scored_evidence  # noqa: E402
from recommender.index import DEFAULT_FIELD_WEIGHTS, RelatedIndex  # noqa: E402
from recommender.medlineplus import read_topics  # noqa: E402
from recommender.text import words  # noqa: E402
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

LATENT_COMPONENTS = (50, 100, 200)
LATENT_WEIGHTS = (0.03, 0.05, 0.1, 0.2)
FEEDBACK_LINK_COUNTS = (3, 5)
FEEDBACK_WEIGHTS = (0.03, 0.05, 0.1)
SHIPPED_FEEDBACK_LINKS = evidence_module.FEEDBACK_LINKS
WEIGHT_STEPS = [{"tags": 0.1}, {"tags": 0.3}, {"categories": 0.05}, {"categories": 0.2}, {"title": 1.0}, {"title": 3.0}]

#: an article's candidates re-scored by the rule, best first: (id, score)
Scored = dict[int, list[tuple[int, float]]]
#: a re-scoring: (source, candidate, rule score) -> new score
Rescore = Callable[[int, int, float], float]


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
    params["latent_components"] = 0
    latent_winner: tuple[int, MinimumEvidence, FoldScores] | None = None
    for n_components in LATENT_COMPONENTS:
        latent_index = RelatedIndex(**{**params, "latent_components": n_components}).fit(docs)
        for weight in LATENT_WEIGHTS:
            candidate = replace(rule, latent_weight=weight)
            scores = score_folds(index_predictions(latent_index, topics, 5, candidate, titles=titles), gold, N_FOLDS)
            ok = helps_on_every_fold(scores, best)
            setting = {"latent_components": n_components, "latent_weight": weight}
            print(row("latent", str(setting), scores, "candidate" if ok else "no"))
            if ok and (latent_winner is None or scores.overall["ndcg@5"] > latent_winner[2].overall["ndcg@5"]):
                latent_winner = (n_components, candidate, scores)
    if latent_winner:
        params["latent_components"], rule, best = latent_winner
        print(row("latent", f"**kept** {params['latent_components']} dimensions, {rule.as_dict()}", best, "yes"))
    index = RelatedIndex(**params).fit(docs)
    feedback_winner: tuple[int, MinimumEvidence, FoldScores] | None = None
    for links in FEEDBACK_LINK_COUNTS:
        evidence_module.FEEDBACK_LINKS = links
        for weight in FEEDBACK_WEIGHTS:
            candidate = replace(rule, feedback_weight=weight)
            scores = score_folds(index_predictions(index, topics, 5, candidate, titles=titles), gold, N_FOLDS)
            ok = helps_on_every_fold(scores, best)
            print(
                row(
                    "feedback",
                    f"{{'links': {links}, 'feedback_weight': {weight}}}",
                    scores,
                    "candidate" if ok else "no",
                )
            )
            if ok and (feedback_winner is None or scores.overall["ndcg@5"] > feedback_winner[2].overall["ndcg@5"]):
                feedback_winner = (links, candidate, scores)
    evidence_module.FEEDBACK_LINKS = SHIPPED_FEEDBACK_LINKS
    if feedback_winner:
        links, rule, best = feedback_winner
        print(row("feedback", f"**kept** first {links} links, {rule.as_dict()}", best, "yes"))
        if links != SHIPPED_FEEDBACK_LINKS:
            print(f"(recommender.evidence.FEEDBACK_LINKS is {SHIPPED_FEEDBACK_LINKS}; the measurements below use it)")
    index = RelatedIndex(**params).fit(docs)
    for option in WEIGHT_STEPS:
        trial = {**params, "field_weights": {**params["field_weights"], **option}}
        scores = score_folds(
            index_predictions(RelatedIndex(**trial).fit(docs), topics, 5, rule, titles=titles), gold, N_FOLDS
        )
        print(
            row("field weights, final rule", str(option), scores, "yes" if helps_on_every_fold(scores, best) else "no")
        )
    for step, value, scores in rescorings(index, rule, docs, gold, titles):
        print(row(step, value, scores, "yes" if helps_on_every_fold(scores, best) else "no"))
    print()
    print(f"final index parameters: {params}")
    print(f"final rule: {rule.as_dict()}")


def scored_candidates(index: RelatedIndex, rule: MinimumEvidence, titles: dict[int, str]) -> Scored:
    """Every article's candidates (its 30 nearest) that pass ``rule``, with their scores, best first."""
    out: Scored = {}
    for doc_id in titles:
        neighbours = [n.id for n in index.related(doc_id, 30)]
        scored = [
            (n, rule.score(e))
            for n, e in zip(neighbours, scored_evidence(index, doc_id, neighbours, titles, rule), strict=True)
        ]
        out[doc_id] = sorted(((n, s) for n, s in scored if s is not None), key=lambda pair: -pair[1])
    return out


def rescored(scored: Scored, topics: list[int], rescore: Rescore) -> dict[int, list[int]]:
    out = {}
    for topic in topics:
        ranked = sorted(((rescore(topic, n, s), n) for n, s in scored.get(topic, [])), key=lambda pair: -pair[0])
        out[topic] = [n for _, n in ranked[:5]]
    return out


def names_of(doc: Document) -> list[tuple[str, ...]]:
    """An article's title and its "Also called" names, as word tuples."""
    names = [doc.title]
    if doc.summary.startswith("Also called: "):
        names += doc.summary.removeprefix("Also called: ").split(", ")
    return [tuple(words(name)) for name in names if words(name)]


def phrases_in(doc: Document, longest: int = 8) -> set[tuple[str, ...]]:
    tokens = words(" ".join([doc.title, doc.summary, doc.body]))
    return {tuple(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, min(len(tokens), i + longest) + 1)}


def rescorings(
    index: RelatedIndex, rule: MinimumEvidence, docs: list[Document], gold: dict[int, set[int]], titles: dict[int, str]
) -> list[tuple[str, str, FoldScores]]:
    """Re-scorings of the final ranking's candidates, each scored per fold."""
    topics = sorted(gold)
    scored = scored_candidates(index, rule, titles)
    out = []
    firsts = {doc_id: [n for n, _ in ranked[:10]] for doc_id, ranked in scored.items()}
    for k in (5, 10):
        for bonus in (0.01, 0.02, 0.03):

            def reciprocal(a: int, b: int, s: float, k: int = k, bonus: float = bonus) -> float:
                return s + bonus * (a in firsts.get(b, [])[:k])

            value = f"+{bonus} when the source is in the candidate's first {k}"
            out.append(
                ("reciprocal neighbour", value, score_folds(rescored(scored, topics, reciprocal), gold, N_FOLDS))
            )
    phrases = {d.id: phrases_in(d) for d in docs}
    names = {d.id: names_of(d) for d in docs}

    def names_other(a: int, b: int) -> bool:
        return any(name in phrases[a] for name in names[b])

    for bonus in (0.01, 0.02, 0.03):

        def both_ways(a: int, b: int, s: float, bonus: float = bonus) -> float:
            return s + bonus * (names_other(a, b) + names_other(b, a))

        def forward(a: int, b: int, s: float, bonus: float = bonus) -> float:
            return s + bonus * names_other(a, b)

        both = score_folds(rescored(scored, topics, both_ways), gold, N_FOLDS)
        out.append(("title phrase", f"+{bonus} per direction a name is a phrase of the other", both))
        out.append(
            (
                "title phrase",
                f"+{bonus} when the source names the candidate",
                score_folds(rescored(scored, topics, forward), gold, N_FOLDS),
            )
        )
    return out


if __name__ == "__main__":
    main()
