"""What each due subscriber's digest holds: new articles ranked against their interests.

A subscriber's digest depends only on their own profile and the candidates: each profile's window (articles
published since their previous digest) and the articles already sent to them are masked out of their own
row of scores *before* the best of the row are taken, so composing many subscribers at once gives each the
digest they would get alone.

Scoring is vectorised: every profile (their topics, free text and, when they allow it, what they read)
becomes one row of a sparse matrix, scored against the candidates one block of rows at a time. A block is
at most :data:`BLOCK_CELLS` dense scores, so memory grows with the number of candidates, never with their
square: near-repeats are checked only between the few best articles of each row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from newsletter.digests.phrases import reader_phrases
from recommender.index import RelatedIndex

#: two picks more similar than this to each other are near-repeats; the lower one is dropped (diversity)
REPEAT_SIMILARITY = 0.8
#: weight of the similarity to what the reader opened, next to their chosen interests (cosines, 0..1)
READ_WEIGHT = 0.25
#: weight of a topic the reader never opens, next to 1 for their other topics and their free text
QUIET_TOPIC_WEIGHT = 0.5
#: dense scores held at once (float32): 4M cells are 16 MB, whatever the number of subscribers
BLOCK_CELLS = 4_000_000
#: each row's shortlist is this many times the digest's length, so near-repeats rarely exhaust it
SHORTLIST_FACTOR = 4

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DigestCandidate:
    """A published article new enough to go into someone's digest."""

    id: int
    title: str
    url: str
    summary: str
    image_url: str | None
    published_at: datetime
    credit: str | None = None


@dataclass(frozen=True)
class ReadArticle:
    """An article the reader opened from a digest (only when they allow reading history)."""

    id: int
    title: str


@dataclass(frozen=True)
class Profile:
    """One subscriber's interests and the limits of their digest.

    ``topics`` are display names; ``topic_terms`` (aligned with ``topics``) the query text of each, and
    when empty the names are the queries. ``quiet_topics`` are topics (display names) the reader never
    opens; they count for :data:`QUIET_TOPIC_WEIGHT`.
    """

    subscriber_id: int
    topics: tuple[str, ...]
    text: str | None
    window_start: datetime
    already_sent: frozenset[int] = frozenset()
    topic_terms: tuple[str, ...] = ()
    read: tuple[ReadArticle, ...] = ()
    quiet_topics: frozenset[str] = frozenset()

    def topic_queries(self) -> list[str]:
        return list(self.topic_terms) if len(self.topic_terms) == len(self.topics) else list(self.topics)


@dataclass
class Pick:
    article: DigestCandidate
    score: float
    reason: str


@dataclass
class Composed:
    subscriber_id: int
    picks: list[Pick] = field(default_factory=list)
    skipped: str | None = None  # why nothing is sent: "no_new_articles" or "no_match"


@dataclass(frozen=True)
class Settings:
    max_items: int = 5
    min_score: float = 0.05
    newest_anyway: bool = False
    site_name: str = ""


def _micros(moment: datetime) -> int:
    """Microseconds since the epoch: exact, so window comparisons never depend on float rounding."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def compose(
    index: RelatedIndex | None, profiles: Sequence[Profile], candidates: Sequence[DigestCandidate], settings: Settings
) -> list[Composed]:
    """Each profile's digest, best matches first, at most ``settings.max_items``.

    Equal scores go to the newer article (then the higher id), so the order never depends on which
    other candidates or profiles are in the batch.
    """
    if not profiles:
        return []
    indexed = sorted(
        (c for c in candidates if index is not None and c.id in index),
        key=lambda c: (c.published_at, c.id),
        reverse=True,
    )
    if index is None or not indexed:
        return [_fallback(p, candidates, settings) for p in profiles]
    ranked = _Ranking(index, profiles, indexed, settings)
    return [
        Composed(p.subscriber_id, picks) if picks else _fallback(p, candidates, settings)
        for p, picks in zip(profiles, ranked.picks(), strict=True)
    ]


class _Ranking:
    """The candidates' vectors and every profile's query row, ranked block by block."""

    def __init__(
        self, index: RelatedIndex, profiles: Sequence[Profile], indexed: list[DigestCandidate], settings: Settings
    ):
        self.profiles, self.indexed, self.settings = profiles, indexed, settings
        self.column = {c.id: i for i, c in enumerate(indexed)}
        self.vectors = index.vectors([c.id for c in indexed]).astype(np.float32)
        self.vectors_t = self.vectors.T.tocsr()
        self.published = np.array([_micros(c.published_at) for c in indexed], dtype=np.int64)
        self.window = np.array([_micros(p.window_start) for p in profiles], dtype=np.int64)
        self.interests = _interest_rows(index, profiles)
        self.reading = _reading_rows(index, profiles)
        self.reasons = _ReasonTerms(index, profiles)
        self.shortlist = min(len(indexed), max(1, settings.max_items * SHORTLIST_FACTOR))
        self._repeat_cache: dict[int, int] = {}
        self.vectors.sort_indices()

    def picks(self) -> list[list[Pick]]:
        out: list[list[Pick]] = []
        rows = max(1, BLOCK_CELLS // len(self.indexed))
        query = (self.interests + READ_WEIGHT * self.reading).tocsr()
        for lo in range(0, len(self.profiles), rows):
            hi = min(lo + rows, len(self.profiles))
            scores = self._masked_scores(query[lo:hi], lo, hi)
            floor = _shortlist_floor(scores, self.shortlist)
            ordered = [self._ordered(scores[r], floor[r]) for r in range(hi - lo)]
            chosen = self._without_repeats(scores, ordered)
            out.extend(self._with_reasons(lo, chosen, scores))
        return out

    def _masked_scores(self, query: sp.csr_matrix, lo: int, hi: int) -> np.ndarray:
        scores = (query @ self.vectors_t).toarray().astype(np.float32, copy=False)
        scores[self.published[None, :] < self.window[lo:hi, None]] = -np.inf
        for r, profile in enumerate(self.profiles[lo:hi]):
            sent = [self.column[a] for a in profile.already_sent if a in self.column]
            scores[r, sent] = -np.inf
        scores[scores < self.settings.min_score] = -np.inf
        return scores

    def _ordered(self, row: np.ndarray, floor: float) -> np.ndarray:
        """The row's shortlist (ties at its lowest score all stay, so the order is exact), best first."""
        cols = np.flatnonzero(row >= floor) if floor > -np.inf else np.flatnonzero(row > -np.inf)
        if len(cols) > self.shortlist:
            cut = len(cols) - self.shortlist
            cols = cols[row[cols] >= np.partition(row[cols], cut)[cut]]
        return cols[np.lexsort((cols, -row[cols]))]

    def _without_repeats(self, scores: np.ndarray, ordered: list[np.ndarray]) -> list[list[int]]:
        """Each row's picks: best first, skipping near-repeats of a better pick.

        The first ``max_items`` of a row are its picks unless two of them are near-repeats; one batched
        product finds the rows where that happens, and only those are walked one by one.
        """
        m = self.settings.max_items
        heads = [cols[:m] for cols in ordered]
        owners = [r for r, h in enumerate(heads) for i in range(len(h)) for _ in range(i)]
        clash: set[int] = set()
        if owners:
            n = len(self.indexed)
            keys = np.array([int(h[i]) * n + int(h[j]) for h in heads for i in range(len(h)) for j in range(i)])
            repeated = self._repeats(keys)
            clash = {owners[i] for i in np.flatnonzero(repeated)}
        return [
            self._greedy(scores[r], cols) if r in clash else [int(c) for c in heads[r]]
            for r, cols in enumerate(ordered)
        ]

    def _repeats(self, keys: np.ndarray) -> np.ndarray:
        """For each pair key (``a * n + b`` of two columns): are the two articles near-repeats? Remembered."""
        unique, inverse = np.unique(keys, return_inverse=True)
        known = np.array([self._repeat_cache.get(int(k), -1) for k in unique], dtype=np.int8)
        todo = np.flatnonzero(known < 0)
        if len(todo):
            n = len(self.indexed)
            left, right = self.vectors[unique[todo] // n], self.vectors[unique[todo] % n]
            found = _rowwise_dot(left, right) > REPEAT_SIMILARITY
            known[todo] = found
            self._repeat_cache.update(zip(unique[todo].tolist(), found.astype(np.int8).tolist(), strict=True))
        return known[inverse].astype(bool)

    def _greedy(self, row: np.ndarray, ordered: np.ndarray) -> list[int]:
        picks = self._greedy_in(ordered)
        if len(picks) < self.settings.max_items:
            everything = np.flatnonzero(row > -np.inf)
            if len(everything) > len(ordered):
                picks = self._greedy_in(everything[np.lexsort((everything, -row[everything]))])
        return picks

    def _greedy_in(self, ordered: np.ndarray) -> list[int]:
        similar = (self.vectors[ordered] @ self.vectors[ordered].T).toarray()
        kept: list[int] = []
        for i in range(len(ordered)):
            if any(similar[i, j] > REPEAT_SIMILARITY for j in kept):
                continue
            kept.append(i)
            if len(kept) == self.settings.max_items:
                break
        return [int(ordered[i]) for i in kept]

    def _with_reasons(self, lo: int, chosen: list[list[int]], scores: np.ndarray) -> list[list[Pick]]:
        pairs = [(r, c) for r, cols in enumerate(chosen) for c in cols]
        if not pairs:
            return [[] for _ in chosen]
        rows = np.array([lo + r for r, _ in pairs])
        cols = np.array([c for _, c in pairs])
        readers = np.flatnonzero([bool(self.profiles[row].read) for row in rows])
        interest, read = np.zeros(len(pairs)), np.zeros(len(pairs))
        if len(readers):
            interest[readers] = self.dot(self.interests[rows[readers]], cols[readers])
            read[readers] = READ_WEIGHT * self.dot(self.reading[rows[readers]], cols[readers])
        labels = self.reasons.labels(rows.tolist(), cols, self.dot)
        out: list[list[Pick]] = [[] for _ in chosen]
        for i, (r, c) in enumerate(pairs):
            profile = self.profiles[lo + r]
            if profile.read and read[i] > interest[i]:
                label = self.reasons.read_reason(profile, self.vectors[c])
            else:
                label = labels[i]
            out[r].append(Pick(self.indexed[c], float(scores[r, c]), label))
        return out

    def dot(self, short: sp.csr_matrix, cols: np.ndarray) -> np.ndarray:
        """Row i of ``short`` (a query: a few terms) dotted with candidate ``cols[i]``, by looking up its terms."""
        short = short.tocsr()
        counts = np.diff(short.indptr)
        if not short.nnz:
            return np.zeros(short.shape[0])
        values = np.asarray(self.vectors[np.repeat(cols, counts), short.indices]).ravel()
        owner = np.repeat(np.arange(short.shape[0]), counts)
        return np.bincount(owner, weights=values * short.data, minlength=short.shape[0])


def _shortlist_floor(scores: np.ndarray, k: int) -> np.ndarray:
    """A score per row that at least ``k`` of the row's scores reach: the least of ``k`` interleaved maxima.

    Each maximum is a different entry of the row, so the row's k-th best is at or above it; finding it
    costs one pass, where a full partition of every row would cost several.
    """
    rows, n = scores.shape
    padded = -(-n // k) * k
    if padded != n:
        scores = np.concatenate([scores, np.full((rows, padded - n), -np.inf, np.float32)], axis=1)
    return scores.reshape(rows, padded // k, k).max(axis=1).min(axis=1)


def _rowwise_dot(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """The dot product of each row of ``a`` with the same row of ``b``."""
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def _interest_rows(index: RelatedIndex, profiles: Sequence[Profile]) -> sp.csr_matrix:
    """One unit-length row per profile (as :meth:`RelatedIndex.query_norms` measures it): the weighted sum of its
    topics' and free text's unit vectors."""
    groups = [p.topic_queries() + ([p.text] if p.text else []) for p in profiles]
    vectors = index.interest_vectors(groups)
    position = {term: i for i, term in enumerate(vectors.terms)}
    rows, cols, weights = [], [], []
    for r, (profile, group) in enumerate(zip(profiles, groups, strict=True)):
        named = list(profile.topics) + ([""] if profile.text else [])
        for name, term in zip(named, group, strict=True):
            rows.append(r)
            cols.append(position[term])
            weights.append(QUIET_TOPIC_WEIGHT if name and name in profile.quiet_topics else 1.0)
    member = sp.csr_matrix(
        (np.array(weights, np.float32), (rows, cols)), shape=(len(profiles), len(vectors.terms)), dtype=np.float32
    )
    return index.normalize_queries(member @ vectors.term_vectors).astype(np.float32).tocsr()


def _reading_rows(index: RelatedIndex, profiles: Sequence[Profile]) -> sp.csr_matrix:
    """One L2-normalised row per profile: the centre of the articles they read (zero when none)."""
    read_ids = sorted({a.id for p in profiles for a in p.read if a.id in index})
    position = {a: i for i, a in enumerate(read_ids)}
    rows = [r for r, p in enumerate(profiles) for a in p.read if a.id in position]
    cols = [position[a.id] for p in profiles for a in p.read if a.id in position]
    member = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(profiles), len(read_ids)), dtype=np.float32
    )
    if not read_ids:
        return sp.csr_matrix((len(profiles), index.n_features_), dtype=np.float32)
    return normalize(member @ index.vectors(read_ids).astype(np.float32)).astype(np.float32).tocsr()


class _ReasonTerms:
    """Why an article was picked, in the reader's own words: a topic's name, their words, or what they read."""

    def __init__(self, index: RelatedIndex, profiles: Sequence[Profile]):
        self.index, self.profiles = index, profiles
        self._cached: dict[int, list[tuple[str, int]]] = {}
        terms = sorted({t for p in profiles for t in p.topic_queries() + reader_phrases(p.text)})
        self.row = {t: i for i, t in enumerate(terms)}
        self.term_vectors = index.query_vectors(terms).astype(np.float32).tocsr() if terms else None

    def _options(self, row: int) -> list[tuple[str, int]]:
        """The labelled queries of profile ``row``: each topic by its name, then each phrase of their text."""
        if row not in self._cached:
            profile = self.profiles[row]
            topics = zip(profile.topics, profile.topic_queries(), strict=True)
            self._cached[row] = [(f"Because you follow \u201c{name}\u201d", self.row[q]) for name, q in topics] + [
                (f"Because you wrote \u201c{phrase}\u201d", self.row[phrase]) for phrase in reader_phrases(profile.text)
            ]
        return self._cached[row]

    def labels(
        self, rows: list[int], cols: np.ndarray, dot: Callable[[sp.csr_matrix, np.ndarray], np.ndarray]
    ) -> list[str]:
        """For each (profile row, candidate column): the profile's topic or words that match it best."""
        default = "Because it matches the interests you told us about"
        if self.term_vectors is None:
            return [default for _ in rows]
        options = [self._options(row) for row in rows]
        terms = np.array([t for o in options for _, t in o], dtype=np.int64)
        owners = np.repeat(cols, [len(o) for o in options])
        scores = dot(self.term_vectors[terms], owners) if len(terms) else np.zeros(0)
        out, at = [], 0
        for labelled in options:
            best, best_score = default, 0.0
            for label, _ in labelled:
                if scores[at] > best_score:
                    best, best_score = label, float(scores[at])
                at += 1
            out.append(best)
        return out

    def read_reason(self, profile: Profile, article: sp.csr_matrix) -> str:
        read = [a for a in profile.read if a.id in self.index]
        similarity = (self.index.vectors([a.id for a in read]) @ article.T).toarray().ravel()
        return f"Because you read “{read[int(np.argmax(similarity))].title}”"


def _fallback(profile: Profile, candidates: Sequence[DigestCandidate], settings: Settings) -> Composed:
    fresh = [c for c in candidates if c.published_at >= profile.window_start and c.id not in profile.already_sent]
    if not fresh:
        return Composed(profile.subscriber_id, skipped="no_new_articles")
    if not settings.newest_anyway:
        return Composed(profile.subscriber_id, skipped="no_match")
    newest = sorted(fresh, key=lambda c: (c.published_at, c.id), reverse=True)[: settings.max_items]
    return Composed(profile.subscriber_id, [Pick(c, 0.0, f"New from {settings.site_name}") for c in newest])


def candidate_rows(rows: Sequence[Any]) -> list[DigestCandidate]:
    return [
        DigestCandidate(r.id, r.title, r.canonical_url, r.summary or "", r.image_url, r.published_at, r.credit)
        for r in rows
    ]
