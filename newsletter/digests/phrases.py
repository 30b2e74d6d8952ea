"""The reader's own words, cut into the short phrases a digest's reasons quote."""

from __future__ import annotations

import re
from functools import lru_cache

#: phrases are cut at punctuation and at "and" / "or"; longer phrases than this are quoted word by word
MAX_PHRASE_WORDS = 3
_CUTS = re.compile(r"[,;:.!?()\[\]/\n\r\t]+|\s+(?:and|or)\s+", re.IGNORECASE)
_WORD = re.compile(r"[^\W_][\w'-]*")


def reader_phrases(text: str | None) -> list[str]:
    """Short phrases of ``text`` as the reader wrote them (case kept), in order, without repeats."""
    return list(_phrases(text)) if text else []


@lru_cache(maxsize=4096)
def _phrases(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in _CUTS.split(text):
        words = _WORD.findall(part)
        chunks = [" ".join(words)] if len(words) <= MAX_PHRASE_WORDS else words
        for chunk in chunks:
            if chunk and chunk not in out:
                out.append(chunk)
    return tuple(out)
