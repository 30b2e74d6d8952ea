"""The MedlinePlus health-topics export as Documents."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

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


def read_topics(path: str | Path) -> Iterator[Document]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield topic_to_document(json.loads(line))
