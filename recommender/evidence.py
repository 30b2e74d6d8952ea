"""How much a link's score rests on shared text, and the minimum a link must show.

A related-link score is the cosine of two weighted TF-IDF vectors (see :mod:`recommender.fields`): the
text block (title, summary, body) plus the tag and category blocks. Split by block, the cosine tells what a
link is made of: two articles of one broad category share label weight without sharing a topic, and two
articles whose only common ground is "pain" share one word. :class:`MinimumEvidence` is the rule that keeps
such links out: labels may order links that already share text, never create one, and a link whose text
overlap is one word needs a stronger overlap than one of several words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender import explain
from recommender.index import RelatedIndex


@dataclass(frozen=True)
class Evidence:
    """One link's cosine split by block.

    ``text``: the part from shared title/summary/body terms; ``labels``: from shared tags and categories;
    ``terms``: the effective number of shared text terms, ``(sum c)^2 / sum c^2`` over the terms'
    contributions ``c`` (1.0 when one word carries it all, n for n words sharing it equally).
    ``mentions``: 0, 1 or 2, how many of the two articles name the other: every word of one's title is
    among the other's text terms. ``peak``: the largest single shared text term's part of ``text``.
    ``latent``: the two articles' cosine in the index's latent-semantic space (:mod:`recommender.latent`),
    None when the index has none. ``feedback``: the candidate's mean cosine to the source's first
    :data:`FEEDBACK_LINKS` links by the rule (its own counts 1), set by :func:`with_feedback`.
    """

    text: float
    labels: float
    terms: float
    mentions: int = 0
    peak: float = 0.0
    latent: float | None = None
    feedback: float = 0.0


@dataclass(frozen=True)
class MinimumEvidence:
    """The minimum-evidence rule (all zero: every positive score is a link, as plain cosine).

    ``min_text``: the text part a link needs, whatever its labels share.
    ``min_terms`` and ``few_terms_min_text``: a link resting on fewer effective terms than ``min_terms``
    needs a text part of at least ``few_terms_min_text``.
    ``label_gate``: the labels' part counts in full once the text part reaches this, in proportion below
    it, so a shared category or tag orders links that share text and adds little to those that do not.
    ``label_min_peak``: the labels' part counts only when one shared text term alone carries at least this
    much of the cosine, or one article names the other: a spread of everyday words is not a shared topic.
    ``mention_bonus``: added per direction in which one article names the other (see :class:`Evidence`).
    ``latent_weight``: the share of the link's latent cosine in its score, ``(1 - w) * score + w * latent``
    (left out when the index has no latent space). It re-orders the links that passed, never admits one.
    ``feedback_weight``: added times the link's ``feedback`` (pseudo-relevance feedback, Rocchio's: the
    source's first links stand for its subject, and a candidate close to them is more likely on it).
    """

    min_text: float = 0.0
    min_terms: float = 0.0
    few_terms_min_text: float = 0.0
    label_gate: float = 0.0
    label_min_peak: float = 0.0
    mention_bonus: float = 0.0
    latent_weight: float = 0.0
    feedback_weight: float = 0.0

    def score(self, evidence: Evidence) -> float | None:
        """The link's score under the rule, or None when it is too weak to show."""
        if evidence.text <= 0 or evidence.text < self.min_text:
            return None
        if evidence.terms < self.min_terms and evidence.text < self.few_terms_min_text:
            return None
        score = evidence.text + evidence.labels * self.label_weight(evidence) + self.mention_bonus * evidence.mentions
        if evidence.latent is not None and self.latent_weight:
            score = (1 - self.latent_weight) * score + self.latent_weight * evidence.latent
        return score + self.feedback_weight * evidence.feedback

    def label_weight(self, evidence: Evidence) -> float:
        """How much of the labels' part counts for this link, from 0 to 1."""
        if evidence.peak < self.label_min_peak and not evidence.mentions:
            return 0.0
        return 1.0 if evidence.text >= self.label_gate else evidence.text / self.label_gate

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> MinimumEvidence:
        """Read the rule from a site's settings: known keys only, each a number from 0 to 1 (``min_terms``
        from 0 to 50); keys left out keep the rule's defaults."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown minimum-evidence keys: {unknown}")
        out: dict[str, float] = {}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"minimum-evidence {name} must be a number")
            top = 50.0 if name == "min_terms" else 1.0
            if not 0 <= float(value) <= top:
                raise ValueError(f"minimum-evidence {name} must be between 0 and {top:g}")
            out[name] = float(value)
        return cls(**out)


#: the rule tuned on the MedlinePlus development links (docs/relevance-tuning.md has the per-fold figures)
DEFAULT_MINIMUM_EVIDENCE = MinimumEvidence(
    label_min_peak=0.02, mention_bonus=0.04, latent_weight=0.03, feedback_weight=0.05
)
#: how many of the source's first links (by the rule without feedback) stand for its subject in ``feedback``
FEEDBACK_LINKS = 5


def text_width(index: RelatedIndex) -> int:
    """How many leading columns of the index's vectors are the text block."""
    text = index.vectorizer_.text_
    return len(text.vocabulary) if text is not None else 0


def title_columns(index: RelatedIndex, title: str) -> np.ndarray | None:
    """The text-block columns of a title's words, or None when a word of it is not in the vocabulary."""
    text = index.vectorizer_.text_
    if text is None:
        return None
    columns = [text.vocabulary.get(token) for token in text.analyzer(title)]
    if not columns or any(c is None for c in columns):
        return None
    return np.unique(np.array(columns, dtype=np.int64))


def _holds(indices: np.ndarray, columns: np.ndarray | None) -> bool:
    """Whether a vector with the (sorted) term ``indices`` holds every one of ``columns``."""
    if columns is None or not len(indices):
        return False
    at = np.searchsorted(indices, columns)
    return bool((at < len(indices)).all() and (indices[np.minimum(at, len(indices) - 1)] == columns).all())


def _mentions(index: RelatedIndex, source: sp.csr_matrix, others: sp.csr_matrix, titles: list[str | None]) -> list[int]:
    """0, 1 or 2 per other: whether the source holds every word of its title, and whether it holds every word
    of the source's (``titles[0]`` is the source's title, then the others' in order)."""
    source.sort_indices()
    others.sort_indices()
    own = title_columns(index, titles[0]) if titles[0] else None
    out = []
    for i, title in enumerate(titles[1:]):
        named = title_columns(index, title) if title else None
        row = others.indices[others.indptr[i] : others.indptr[i + 1]]
        out.append(int(_holds(source.indices, named)) + int(_holds(row, own)))
    return out


def evidence_many(
    index: RelatedIndex, doc_id: int, other_ids: Iterable[int], titles: Mapping[int, str] | None = None
) -> list[Evidence]:
    """The :class:`Evidence` of the links from ``doc_id`` to each of ``other_ids`` (all indexed), in order.

    ``titles``: the articles' titles by id, to tell mentions (none counted without them).
    """
    other_ids = list(other_ids)
    if not other_ids:
        return []
    others = index.vectors(other_ids)
    source = index.vectors([doc_id])
    product = others.multiply(source).tocsr()
    n = len(other_ids)
    rows = np.repeat(np.arange(n), np.diff(product.indptr))
    values = product.data.astype(np.float64)
    in_text = product.indices < text_width(index)
    texts = np.bincount(rows[in_text], weights=values[in_text], minlength=n)
    squares = np.bincount(rows[in_text], weights=values[in_text] ** 2, minlength=n)
    labels = np.bincount(rows[~in_text], weights=values[~in_text], minlength=n)
    peaks = np.zeros(n)
    np.maximum.at(peaks, rows[in_text], values[in_text])
    terms = np.divide(texts * texts, squares, out=np.zeros(n), where=squares > 0)
    latent = getattr(index, "latent_", None)
    latents: list[float | None] = [None] * n if latent is None else latent.cosines(source, others).tolist()
    mentions = [0] * len(other_ids)
    if titles:
        mentions = _mentions(index, source, others, [titles.get(doc_id)] + [titles.get(o) for o in other_ids])
    return [
        Evidence(
            text=float(text),
            labels=float(label),
            terms=float(spread),
            mentions=int(named),
            peak=float(peak),
            latent=None if near is None else float(near),
        )
        for text, label, spread, named, peak, near in zip(texts, labels, terms, mentions, peaks, latents, strict=True)
    ]


def with_feedback(
    index: RelatedIndex, other_ids: Sequence[int], evidence: Sequence[Evidence], rule: MinimumEvidence | None
) -> list[Evidence]:
    """``evidence`` (of the links from one source to ``other_ids``, in order) with ``feedback`` set for ``rule``:
    each candidate's mean cosine to the :data:`FEEDBACK_LINKS` best of them by the rule. Unchanged when the
    rule gives feedback no weight or passes none of them."""
    evidence = list(evidence)
    if rule is None or not rule.feedback_weight:
        return evidence
    scores = [rule.score(e) for e in evidence]
    passing = [i for i, score in enumerate(scores) if score is not None]
    firsts = sorted(passing, key=lambda i: -(scores[i] or 0.0))[:FEEDBACK_LINKS]
    if not firsts:
        return evidence
    vectors = index.vectors(other_ids)
    closeness = np.asarray((vectors[firsts] @ vectors.T).mean(axis=0)).ravel()
    return [replace(e, feedback=float(near)) for e, near in zip(evidence, closeness, strict=True)]


def scored_evidence(
    index: RelatedIndex,
    doc_id: int,
    other_ids: Sequence[int],
    titles: Mapping[int, str] | None,
    rule: MinimumEvidence | None,
) -> list[Evidence]:
    """What ``rule`` scores the links from ``doc_id`` to ``other_ids`` by: :func:`evidence_many`, then
    :func:`with_feedback`."""
    return with_feedback(index, other_ids, evidence_many(index, doc_id, other_ids, titles), rule)


def text_terms(index: RelatedIndex, doc_id: int, other_ids: Iterable[int], n: int) -> list[list[str]]:
    """Like :meth:`RelatedIndex.explain_many`, from the shared text alone: the "why" of a link whose shared
    tags and categories did not count (:meth:`MinimumEvidence.label_weight` 0)."""
    other_ids = list(other_ids)
    if not other_ids:
        return []
    product = index.vectors(other_ids).multiply(index.vectors([doc_id])).tocsr()
    width = text_width(index)
    names, surface = index.feature_names_, index.surface_
    out = []
    for lo, hi in zip(product.indptr[:-1], product.indptr[1:], strict=True):
        columns, values = product.indices[lo:hi], product.data[lo:hi]
        keep = columns < width
        out.append(explain.top_terms(columns[keep], values[keep], names, surface, n))
    return out
