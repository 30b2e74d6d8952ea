"""The speed benchmark still runs, measures the plain scikit-learn fit beside ours, and its all-pairs answer
agrees with the exact full product."""

from benchmarks.recommender_speed import corpus, report, run_size


def test_synthetic_corpus_is_seeded_and_sized():
    a, b = corpus(5, seed=1), corpus(5, seed=1)
    assert a == b
    assert all(300 <= len(d.body.split()) <= 1000 for d in a)


def test_small_benchmark_run_agrees_with_the_exact_product():
    result = run_size(200, adds=10)
    assert result["pairs_exact_rows"] == 200
    assert result["pairs_kth_score_max_diff"] < 1e-5
    assert result["pairs_recall"] == 1.0
    assert result["plain_fit_s"] > 0 and result["fit_s"] > 0
    assert result["add_p99_ms"] > 0
    text = report(result)
    assert "200 articles" in text and "plain TfidfVectorizer" in text
