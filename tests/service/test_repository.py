"""The repository stands alone: nothing it tracks reaches for files beside it."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO_ROOT

OUTSIDE = re.compile(r"\.\./shared|/work/shared|\.parent\s*/\s*[\"']shared[\"']|parents\[2\]\s*/\s*[\"']shared[\"']")


def tracked_text_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
    names = [name for name in listed.stdout.decode().split("\0") if name]
    return [name for name in names if not name.startswith("tests/data/") and not name.endswith(".gz")]


def test_no_tracked_file_refers_to_a_folder_beside_the_repository() -> None:
    this_file = "tests/service/test_repository.py"
    offenders = []
    for name in tracked_text_files():
        if name == this_file:
            continue
        text = (REPO_ROOT / name).read_text(encoding="utf-8", errors="replace")
        offenders += [f"{name}: {match.group(0)}" for match in OUTSIDE.finditer(text)]
    assert offenders == []


def test_the_demo_data_ships_inside_the_repository() -> None:
    tracked = set(tracked_text_files()) | set(
        subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.split()
    )
    assert "articles/demo_data/medlineplus/topics.jsonl.gz" in tracked
    assert "articles/demo_data/medlineplus/related_dev.tsv" in tracked
    assert "tests/data/feedparser-tests/LICENSE" in tracked
