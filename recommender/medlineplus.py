"""The MedlinePlus health-topics export as Documents."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from recommender.document import Document


def topic_to_document(record: dict) -> Document:
    """One ``topics.jsonl`` record as a Document (the demo loader's mapping)."""
    synonyms = record.get("synonyms") or []
    return Document(
        id=int(record["id"]),
        title=record["title"],
        summary="Also called: " + ", ".join(synonyms) if synonyms else "",
        body=record.get("content") or "",
        tags=tuple(record.get("mesh_terms") or ()),
        categories=tuple(record.get("groups") or ()),
    )


def read_topic_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Each record of a ``topics.jsonl`` file, plain or gzip-compressed (``.gz``)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_topics(path: str | Path) -> Iterator[Document]:
    for record in read_topic_records(path):
        yield topic_to_document(record)
