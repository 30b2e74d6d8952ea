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

    assert evaluate_topics(topics, gold, 5) == result  # in this process, outside any app context
    command = sqlite_app.test_cli_runner().invoke(
        args=["recommender", "evaluate", "--topics", str(topics), "--gold", str(gold), "--json"]
    )
    assert command.exit_code == 0, command.output
    assert json.loads(command.output.strip().splitlines()[-1]) == result
