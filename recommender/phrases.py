"""Query phrases rewritten before matching: the shipped lay-medical lexicon and a site's own synonyms.

A query ("stomach flu", "water pills", a reader's free text) is read token by token; at each position the
longest known phrase starting there is replaced by what it means ("gastroenteritis", "diuretics"), so a
phrase is matched as a whole before any of its words is ("stomach flu" never becomes "stomach influenza").
Only queries are rewritten: articles keep their own words, so editing synonyms needs no refit.

The lexicon (``lay_lexicon.tsv`` beside this module, columns ``lay``, ``clinical``, ``source``) is
general lay vocabulary reviewed by hand. Over it lie the titles of the indexed articles, each meaning
itself (so "nursing homes" stays whole even where "nursing" alone means breastfeeding), and over those a
site's synonyms (its editors', and those seeded from its articles' "Also called" names), which win where
they name the same phrase.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from recommender.text import tokens

LEXICON_PATH = Path(__file__).with_name("lay_lexicon.tsv")


@dataclass(frozen=True)
class LexiconEntry:
    lay: str
    clinical: str
    source: str


def read_lexicon(path: str | Path = LEXICON_PATH) -> list[LexiconEntry]:
    """The entries of a lexicon TSV (header ``lay<TAB>clinical<TAB>source``)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header != ["lay", "clinical", "source"]:
            raise ValueError(f"{path}: expected header 'lay<TAB>clinical<TAB>source', got {header!r}")
        return [LexiconEntry(*row) for row in reader if row]


class PhraseMap:
    """Phrase -> replacement, applied to token sequences longest phrase first."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._add(pairs)

    def _add(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add pairs; a later pair for a phrase already known replaces it.

        Each first word's phrases are gathered in a dict while adding (a title per article shares its
        first word with thousands of others on a large site: removing a phrase from a list each time made
        a fit's cost grow with the square of the site), then sorted once, longest first.
        """
        pending: dict[str, dict[tuple[str, ...], str]] = {}
        for phrase, replacement in pairs:
            key = tuple(tokens(phrase))
            if not key:
                continue
            bucket = pending.get(key[0])
            if bucket is None:
                bucket = pending[key[0]] = dict(self._table.get(key[0], ()))
            bucket.pop(key, None)  # a replaced phrase moves to the end, as if removed and appended
            bucket[key] = replacement
        for first, bucket in pending.items():
            self._table[first] = sorted(bucket.items(), key=lambda entry: -len(entry[0]))

    @property
    def size(self) -> int:
        return sum(len(entries) for entries in self._table.values())

    def overlaid(self, pairs: Iterable[tuple[str, str]]) -> PhraseMap:
        """A new map: this one's pairs with ``pairs`` laid over them (this map is left as it is)."""
        new = PhraseMap()
        new._table = {first: list(entries) for first, entries in self._table.items()}
        new._add(pairs)
        return new

    def pairs(self) -> list[tuple[str, str]]:
        return [(" ".join(key), value) for entries in self._table.values() for key, value in entries]

    def rewrite(self, text: str) -> str:
        """``text`` as lower-case tokens with every known phrase replaced, longest first."""
        words = tokens(text)
        if self._table.keys().isdisjoint(words):
            return " ".join(words)
        out: list[str] = []
        i = 0
        while i < len(words):
            for key, replacement in self._table.get(words[i], ()):
                if tuple(words[i : i + len(key)]) == key:
                    out.append(replacement.lower())
                    i += len(key)
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)


@cache
def lay_lexicon() -> PhraseMap:
    """The shipped lexicon as a map (read once per process)."""
    return PhraseMap((entry.lay, entry.clinical) for entry in read_lexicon())


EMPTY = PhraseMap()
