"""The digest composition benchmark still runs both compositions and reports wall and CPU time and memory."""

from benchmarks.digest_speed import measure


def test_a_small_run_of_each_composition_reports_its_figures() -> None:
    shipped, legacy = measure("shipped", 300, 600), measure("legacy", 300, 600)
    for result in (shipped, legacy):
        assert result["subscribers"] == 300 and result["articles"] == 600
        assert result["seconds"] > 0 and result["cpu_seconds"] > 0
        assert result["peak_mib"] >= result["before_mib"] > 0
        assert 0 < result["filled"] <= 300
