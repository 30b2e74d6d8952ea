"""Why two articles are related, in terms an editor can check: the distinctive shared words, and the share of
the similarity that came from the words, the tags and the categories.

The plain explanation (:meth:`RelatedIndex.explain_many`) lists whichever shared terms weigh most, which on a
large site are often generic ("constant", "sharp", "lasts") or folded label tokens ("brain nerve"). Here only
text-block terms count as words (labels are named by the caller from the articles' own labels), a word must be
distinctive (on sites of :data:`MIN_DOCS_FOR_IDF` articles or more, its idf at least :data:`MIN_IDF`, i.e. in
at most about a fifth of the site's articles), and clinical filler words are never shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from recommender import explain
from recommender.index import RelatedIndex

#: smooth idf of a word found in about a fifth of the articles: ln((1 + N) / (1 + N/5)) + 1 -> 1 + ln 5
MIN_IDF = 1 + math.log(5)
#: below this many articles every word is in a large share of them; the idf rule would leave nothing
MIN_DOCS_FOR_IDF = 20
#: words a clinician would never cite as the reason two articles belong together
FILLER = frozenset(
    """
    constant sharp lasts last lasting dull mild severe sudden common usual usually often sometimes
    cause causes caused symptom symptoms sign signs treatment treatments treat treated doctor doctors
    health healthy help helps problem problems condition conditions people person body time times day
    days week weeks month months year years good better best make makes need needs use used uses include
    includes including also may can get gets feel feeling way ways part parts type types kind kinds
    towels towel bedding clothing clothes home house thing things lot much many well care
    """.split()
)


@dataclass
class PairReason:
    """Distinctive shared words, best first, and each part's share of the similarity (summing to 1)."""

    terms: list[str] = field(default_factory=list)
    shares: dict[str, float] = field(default_factory=dict)


def _blocks(index: RelatedIndex) -> list[tuple[str, int, int]]:
    """(part, first column, end column) of the text block and each label block, in column order."""
    vectorizer = index.vectorizer_
    width = len(vectorizer.text_.vocabulary) if vectorizer.text_ is not None else 0
    blocks = [("words", 0, width)]
    for name, labels in vectorizer.labels_.items():
        blocks.append((name, width, width + len(labels.vocabulary_)))
        width += len(labels.vocabulary_)
    return blocks


def _is_filler(term: str) -> bool:
    return all(word.lower() in FILLER for word in term.split())


def pair_reasons(index: RelatedIndex, doc_id: int, other_ids: Iterable[int], n: int = 3) -> list[PairReason]:
    """A :class:`PairReason` for each of ``other_ids`` against ``doc_id`` (both in the index)."""
    other_ids = list(other_ids)
    if not other_ids:
        return []
    product = index.vectors(other_ids).multiply(index.vectors([doc_id])).tocsr()
    blocks = _blocks(index)
    text_end = blocks[0][2]
    vectorizer = index.vectorizer_
    raw_idf = np.asarray(vectorizer.idf_[:text_end], dtype=np.float64) ** (1.0 / vectorizer.idf_power)
    distinctive = raw_idf >= MIN_IDF if len(index) >= MIN_DOCS_FOR_IDF else np.ones(text_end, dtype=bool)
    names, surface = index.feature_names_, index.surface_
    out = []
    for lo, hi in zip(product.indptr[:-1], product.indptr[1:], strict=True):
        columns, values = product.indices[lo:hi], product.data[lo:hi]
        totals = {part: float(values[(columns >= a) & (columns < b)].sum()) for part, a, b in blocks}
        whole = sum(v for v in totals.values() if v > 0)
        shares = {part: round(v / whole, 3) for part, v in totals.items() if v > 0} if whole > 0 else {}
        in_text = columns < text_end
        keep = in_text.copy()
        keep[in_text] = distinctive[columns[in_text]]
        ranked = explain.top_terms(columns[keep], values[keep], names, surface, n + len(FILLER))
        out.append(PairReason([t for t in ranked if not _is_filler(t)][:n], shares))
    return out
