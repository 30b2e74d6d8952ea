import math

import pytest

from recommender.evaluate import (
    average_precision,
    evaluate,
    ndcg_at_k,
    precision_at_k,
    read_gold_tsv,
    recall_at_k,
    reciprocal_rank,
)


@pytest.fixture
def gold_file(tmp_path):
    path = tmp_path / "gold.tsv"
    path.write_text("topic_id\trelated_id\n1\t10\n1\t11\n2\t20\n3\t30\n")
    return path


def test_read_gold_tsv(gold_file):
    assert read_gold_tsv(gold_file) == {1: {10, 11}, 2: {20}, 3: {30}}


def test_read_gold_tsv_rejects_a_wrong_header(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match="header"):
        read_gold_tsv(path)


def test_single_topic_metrics_by_hand():
    predicted, relevant = [10, 99, 11], {10, 11, 12}
    assert precision_at_k(predicted, relevant, 3) == pytest.approx(2 / 3)
    assert recall_at_k(predicted, relevant, 3) == pytest.approx(2 / 3)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(predicted, relevant, 3) == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    assert reciprocal_rank([99, 11], relevant) == 0.5
    assert average_precision(predicted, relevant, 3) == pytest.approx((1 + 2 / 3) / 3)


def test_ndcg_ideal_uses_min_of_k_and_relevant_count():
    # one relevant item found first: perfect, though k is larger
    assert ndcg_at_k([5, 6, 7], {5}, 3) == 1.0


def test_evaluate_averages_over_topics_with_gold(gold_file):
    gold = read_gold_tsv(gold_file)
    predictions = {1: [11, 5], 2: [7, 20], 4: [1]}  # topic 3 missing, topic 4 has no gold
    result = evaluate(predictions, gold, k=2)
    assert result["topics"] == 3
    assert result["precision@2"] == pytest.approx((1 / 2 + 1 / 2 + 0) / 3)
    assert result["recall@2"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    ndcg1 = 1 / (1 + 1 / math.log2(3))
    ndcg2 = (1 / math.log2(3)) / 1
    assert result["ndcg@2"] == pytest.approx((ndcg1 + ndcg2 + 0) / 3)
    assert result["mrr"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    assert result["map"] == pytest.approx((1 / 2 + 1 / 2 + 0) / 3)
