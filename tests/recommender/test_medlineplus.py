from articles.demo import DEMO_TOPICS, DEV_GOLD
from recommender.evaluate_medlineplus import evaluate_files, main
from recommender.medlineplus import topic_to_document


def test_topic_to_document_mapping():
    doc = topic_to_document(
        {
            "id": "6308",
            "title": "A1C",
            "url": "u",
            "synonyms": ["HbA1C", "Glycohemoglobin"],
            "groups": ["Diagnostic Tests"],
            "mesh_terms": ["Glycated Hemoglobin"],
            "content": "A1C is a blood test.",
        }
    )
    assert doc.id == 6308 and doc.title == "A1C"
    assert doc.summary == "Also called: HbA1C, Glycohemoglobin"
    assert doc.body == "A1C is a blood test."
    assert doc.tags == ("Glycated Hemoglobin",) and doc.categories == ("Diagnostic Tests",)


def test_topic_without_synonyms_has_empty_summary():
    doc = topic_to_document({"id": "1", "title": "T", "synonyms": [], "groups": [], "mesh_terms": [], "content": ""})
    assert doc.summary == "" and doc.tags == () and doc.categories == ()


def test_default_parameters_reach_a_sane_floor(capsys):
    result = evaluate_files(DEMO_TOPICS, DEV_GOLD, k=5)
    assert result["topics"] == 422
    assert result["ndcg@5"] >= 0.60
    assert result["recall@5"] >= 0.55


def test_cli_prints_json(tmp_path, capsys):
    topics = tmp_path / "topics.jsonl"
    topics.write_text(
        '{"id": "1", "title": "Knee Pain", "synonyms": [], "groups": ["Bones"], "mesh_terms": [], '
        '"content": "Knee pain after running."}\n'
        '{"id": "2", "title": "Knee Replacement", "synonyms": [], "groups": ["Bones"], '
        '"mesh_terms": [], "content": "Surgery for knee pain."}\n'
        '{"id": "3", "title": "Acne", "synonyms": [], "groups": ["Skin"], "mesh_terms": [], '
        '"content": "Pimples on skin."}\n'
    )
    gold = tmp_path / "gold.tsv"
    gold.write_text("topic_id\trelated_id\n1\t2\n")
    assert main(["--topics", str(topics), "--gold", str(gold), "--k", "1", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"ndcg@1": 1.0' in out and '"topics": 1' in out
