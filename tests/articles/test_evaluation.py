"""The relevance evaluation runs the production write path on a database of its own, with no web app."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from itertools import islice
from pathlib import Path

from flask import Flask

from articles.demo import DEMO_TOPICS, DEV_GOLD
from articles.evaluation import evaluate_topics
from recommender.medlineplus import read_topic_records
from tests.conftest import REPO_ROOT

TOPICS = 80


def small_corpus(folder: Path) -> tuple[Path, Path]:
    """The first TOPICS demo topics and the curated links between them."""
    topics = list(islice(read_topic_records(DEMO_TOPICS), TOPICS))
    ids = {str(topic["id"]) for topic in topics}
    topics_path, gold_path = folder / "topics.jsonl", folder / "gold.tsv"
    topics_path.write_text("".join(json.dumps(topic) + "\n" for topic in topics), encoding="utf-8")
    with DEV_GOLD.open(encoding="utf-8", newline="") as source:
        rows = [row for row in islice(csv.reader(source, delimiter="\t"), 1, None) if row and set(row) <= ids]
    assert rows
    gold_path.write_text("topic_id\trelated_id\n" + "".join(f"{a}\t{b}\n" for a, b in rows), encoding="utf-8")
    return topics_path, gold_path


def test_evaluation_builds_no_app_and_the_command_prints_its_figures(tmp_path: Path, sqlite_app: Flask) -> None:
    topics, gold = small_corpus(tmp_path)
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from articles.evaluation import evaluate_topics\n"
        f"result = evaluate_topics(Path({str(topics)!r}), Path({str(gold)!r}), 5)\n"
        "print(json.dumps({'result': result, 'app_loaded': 'clinicreads.app' in sys.modules}))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["app_loaded"] is False  # (the migrations read the model registry, clinicreads.models, only)
    result = answer["result"]
    assert result["articles"] == TOPICS and result["topics"] > 0
    assert 0 < result["ndcg@5"] <= 1 and 0 < result["recall@5"] <= 1
    assert len(result["folds"]) == 3 and all(0 <= fold <= 1 for fold in result["folds"])
    assert set(result["baselines"]) == {"plain_tfidf", "cosine_only"}
    assert all(0 < scores["ndcg@5"] <= 1 for scores in result["baselines"].values())

    assert evaluate_topics(topics, gold, 5) == result  # in this process, outside any app context
    command = sqlite_app.test_cli_runner().invoke(
        args=["recommender", "evaluate", "--topics", str(topics), "--gold", str(gold), "--json"]
    )
    assert command.exit_code == 0, command.output
    assert json.loads(command.output.strip().splitlines()[-1]) == result


def test_the_report_shows_each_topic_with_hits_misses_and_why(tmp_path: Path, sqlite_app: Flask) -> None:
    topics, gold = small_corpus(tmp_path)
    report = tmp_path / "report.md"
    runner = sqlite_app.test_cli_runner()
    command = runner.invoke(
        args=["recommender", "evaluate", "--topics", str(topics), "--gold", str(gold), "--report", str(report)]
    )
    assert command.exit_code == 0, command.output
    header = command.output.splitlines()[0].split()
    assert header == ["metric", "served", "plain_tfidf", "cosine_only"]
    assert "ndcg@5 fold 2" in command.output and f"report written to {report}" in command.output

    text = report.read_text(encoding="utf-8")
    titles = {int(t["id"]): t["title"] for t in read_topic_records(topics)}
    with gold.open(encoding="utf-8") as handle:
        gold_topics = {int(line.split("\t")[0]) for line in islice(handle, 1, None) if line.strip()}
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert len(sections) == len(gold_topics)
    first = min(gold_topics, key=lambda t: (titles[t], t))
    assert sections[0] == f"## {titles[first]} ({first})"
    rows = [line for line in text.splitlines() if line.startswith("| 1 |")]
    assert rows and all(row.split("|")[3].strip() in ("hit", "miss") for row in rows)
    assert any(row.split("|")[3].strip() == "hit" for row in rows)
    assert all(row.split("|")[5].strip() for row in rows)  # every link says why
    assert "Curated, not served:" in text


def test_a_report_into_a_missing_folder_is_refused(tmp_path: Path, sqlite_app: Flask) -> None:
    command = sqlite_app.test_cli_runner().invoke(
        args=["recommender", "evaluate", "--report", str(tmp_path / "nowhere" / "report.md")]
    )
    assert command.exit_code == 2 and "no folder" in command.output
