"""Folds by a hash of the topic id, per-fold scores and the "helps on every fold" test."""

from __future__ import annotations

from recommender.baseline import PlainSettings, plain_predictions, tuned_plain_tfidf
from recommender.document import Document
from recommender.tuning import fold_of, helps_on_every_fold, score_folds, split_gold


def test_a_topic_keeps_its_fold_whatever_else_is_there() -> None:
    assert [fold_of(t, 3) for t in (1, 2, 3, 1000, 6308)] == [fold_of(t, 3) for t in (1, 2, 3, 1000, 6308)]
    gold = {t: {t + 1} for t in range(300)}
    parts = split_gold(gold, 3)
    assert sorted(t for part in parts for t in part) == sorted(gold)
    assert all(60 < len(part) < 140 for part in parts)
    smaller = split_gold({t: gold[t] for t in range(0, 300, 2)}, 3)
    assert all(set(small) <= set(part) for small, part in zip(smaller, parts, strict=True))


def test_a_change_is_kept_only_when_every_fold_gains() -> None:
    gold = {t: {100 + t} for t in range(30)}
    perfect = {t: [100 + t] for t in range(30)}
    half = {t: ([100 + t] if t % 2 else [999]) for t in range(30)}
    better, worse = score_folds(perfect, gold, 3), score_folds(half, gold, 3)
    assert better.ndcg() == [1.0, 1.0, 1.0] and better.overall["ndcg@5"] == 1.0
    assert helps_on_every_fold(better, worse)
    assert not helps_on_every_fold(worse, better)
    assert not helps_on_every_fold(better, better)


DOCS = [
    Document(1, "Knee Pain", "", "Knee pain after running, a sore knee joint."),
    Document(2, "Knee Replacement", "", "Surgery replaces a worn knee joint."),
    Document(3, "Acne", "", "Pimples on the skin of the face."),
    Document(4, "Rosacea", "", "Redness of the skin of the face."),
]


def test_plain_tfidf_ranks_by_shared_words_and_is_tuned_on_the_gold() -> None:
    assert plain_predictions(DOCS, [1, 3], 1, PlainSettings(min_df=1)) == {1: [2], 3: [4]}
    settings, predictions = tuned_plain_tfidf(DOCS, {1: {2}, 3: {4}}, k=1)
    assert predictions == {1: [2], 3: [4]} and settings.min_df == 1
