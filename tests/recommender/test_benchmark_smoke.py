"""The speed benchmark still runs, and its all-pairs answer agrees with sparse_dot_topn."""

from benchmarks.recommender_speed import corpus, report, run_size


def test_synthetic_corpus_is_seeded_and_sized():
    a, b = corpus(5, seed=1), corpus(5, seed=1)
    assert a == b
    assert all(300 <= len(d.body.split()) <= 1000 for d in a)


def test_small_benchmark_run_agrees_with_sparse_dot_topn():
    result = run_size(200, adds=10)
    assert result["pairs_rows"] == 200
    assert result["pairs_kth_score_max_diff"] < 1e-5
    assert result["add_p99_ms"] > 0
    assert "200 articles" in report(result)
