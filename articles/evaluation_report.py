"""The readable evaluation report: per topic, the served top k with hit or miss and the "why".

A Markdown file meant for a person checking failures: each topic's links in served order, whether the
curated links have each one, the score, why it was chosen (the shared terms, or the fallback reason), then
the curated links the list missed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recommender.evaluate import ndcg_at_k


@dataclass(frozen=True)
class ServedLink:
    topic_id: int
    score: float
    reason: str
    why: list[str]


@dataclass(frozen=True)
class TopicReport:
    topic_id: int
    title: str
    links: list[ServedLink]
    curated: set[int]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def render_report(rows: Sequence[TopicReport], titles: Mapping[int, str], result: Mapping[str, Any], k: int) -> str:
    plain = result["baselines"]["plain_tfidf"]
    lines = [
        "# Related links against the curated links",
        "",
        f"{result['topics']} topics with curated links, {result['articles']} articles. "
        f"nDCG@{k} {result[f'ndcg@{k}']:.4f} (tuned plain TF-IDF {plain[f'ndcg@{k}']:.4f}), "
        f"recall@{k} {result[f'recall@{k}']:.4f}, precision@{k} {result[f'precision@{k}']:.4f}, "
        f"MRR {result['mrr']:.4f}.",
        "",
    ]
    for row in rows:
        hits = sum(1 for link in row.links if link.topic_id in row.curated)
        ndcg = ndcg_at_k([link.topic_id for link in row.links], row.curated, k)
        lines += [
            f"## {_cell(row.title)} ({row.topic_id})",
            "",
            f"{hits} of {len(row.links)} hit, nDCG@{k} {ndcg:.2f}",
            "",
        ]
        if row.links:
            lines += ["| # | link | curated | score | why |", "|---|---|---|---|---|"]
            for rank, link in enumerate(row.links, start=1):
                mark = "hit" if link.topic_id in row.curated else "miss"
                why = ", ".join(link.why) if link.reason == "similar" else f"{link.reason}: {', '.join(link.why)}"
                title = titles.get(link.topic_id, str(link.topic_id))
                lines.append(f"| {rank} | {_cell(title)} | {mark} | {link.score:.3f} | {_cell(why)} |")
        else:
            lines.append("No link served.")
        served = {link.topic_id for link in row.links}
        missed = sorted(titles.get(t, str(t)) for t in row.curated - served)
        lines += ["", "Curated, not served: " + (_cell(", ".join(missed)) if missed else "none"), ""]
    return "\n".join(lines)


def write_report(
    path: Path, rows: Sequence[TopicReport], titles: Mapping[int, str], result: Mapping[str, Any], k: int
) -> None:
    """Write the report to ``path`` (whole, through a temporary file, so a failure leaves no half report)."""
    partial = path.with_name(path.name + ".part")
    partial.write_text(render_report(rows, titles, result, k), encoding="utf-8")
    partial.replace(path)
