"""The lay-language benchmark runs and meets its goals: lay-name hit@5 ≥ 0.95, both probes ahead of plain TF-IDF."""

from benchmarks.lay_language import main, run

BASELINE = "plain TfidfVectorizer() (baseline)"
PRODUCTION = "Clinic Reads, lexicon + seeded site synonyms"


def test_probes_meet_their_goals_against_the_baseline_of_the_same_run():
    results = run()
    baseline, ours = results[BASELINE], results[PRODUCTION]
    assert ours["lay_name_queries"] == baseline["lay_name_queries"] > 150
    assert ours["follow_topic_queries"] == baseline["follow_topic_queries"] > 400
    assert ours["lay_name_hit@5"] >= 0.95 and ours["lay_name_hit@5"] > baseline["lay_name_hit@5"]
    assert ours["follow_topic_ndcg@5"] > baseline["follow_topic_ndcg@5"]
    # without the lexicon and the site's synonyms, rare words and names alone still beat the baseline
    bare = results["Clinic Reads, no lexicon, no site synonyms"]
    assert bare["lay_name_hit@5"] > baseline["lay_name_hit@5"]


def test_the_table_names_the_baseline(capsys):
    assert main([]) == 0
    printed = capsys.readouterr().out
    assert BASELINE in printed and PRODUCTION in printed and "queries: lay-name 198" in printed
