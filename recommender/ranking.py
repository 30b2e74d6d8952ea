"""Editorial rules applied to a ranked list of related candidates.

Pure functions over plain values: the caller looks the candidates up (stored
related list, article rows) and this module decides what a widget shows.

Order of business: every link must be eligible (not the source or a
near-duplicate of it, published, same site, not blocked, no never-pair tag
clash, reviewed recently enough when asked); pins come first in editor order;
then similar candidates that pass the minimum-evidence rule (``min_evidence``,
see :mod:`recommender.evidence`: re-scored by it, too weak ones dropped) and
score at least ``min_score`` (diversified by MMR when
``mmr_lambda`` is set, newest first among equal scores); then, unless
``fallback`` is off, the newest articles sharing a category with the source,
then the newest of all.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from recommender.evidence import Evidence, MinimumEvidence

Reason = Literal["pinned", "similar", "fallback_category", "fallback_newest"]
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass
class Candidate:
    id: int
    score: float = 0.0
    canonical_url: str = ""
    status: str = "published"
    site_id: int = 0
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published_at: datetime | None = None
    medically_reviewed_at: datetime | None = None
    why: list[str] = field(default_factory=list)
    evidence: Evidence | None = None


@dataclass
class Rules:
    """Editorial settings. ``now`` must be timezone-aware (default: UTC now)."""

    pins: list[int] = field(default_factory=list)
    blocks: set[int] = field(default_factory=set)
    never_pair: list[tuple[str, str]] = field(default_factory=list)
    mmr_lambda: float | None = None
    min_score: float = 0.0
    fallback: bool = True
    reviewed_within_months: int | None = None
    near_duplicate_threshold: float = 0.95
    min_evidence: MinimumEvidence | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class Link:
    id: int
    score: float
    why: list[str]
    reason: Reason


def apply_rules(
    source: Candidate,
    ranked: list[Candidate],
    rules: Rules,
    k: int,
    pool: Iterable[Candidate] = (),
    similarity: Callable[[int, int], float] | None = None,
) -> list[Link]:
    """Up to ``k`` links for ``source``.

    ``ranked``: similar candidates with their scores to the source.
    ``pool``: other articles of the site, where pins and fallbacks are found.
    ``similarity(a_id, b_id)``: needed when ``rules.mmr_lambda`` is set.
    """
    if rules.mmr_lambda is not None and similarity is None:
        raise ValueError("mmr_lambda needs a similarity function")
    pool = list(pool)
    ok = _eligibility(source, rules)
    links = _pinned(rules.pins, {c.id: c for c in pool + list(ranked)}, ok)[:k]
    taken = {link.id for link in links}
    eligible = [c for c in ranked if c.id not in taken and ok(c)]  # near-duplicates told by the raw cosine
    similar = [c for c in _with_evidence(eligible, rules.min_evidence) if c.score >= rules.min_score]
    similar = _dedupe(sorted(similar, key=_by_score_then_recency))
    if rules.mmr_lambda is None or similarity is None:
        chosen = similar[: k - len(links)]
    else:
        chosen = _mmr(similar, links, k - len(links), rules.mmr_lambda, similarity)
    links += [Link(c.id, c.score, list(c.why), "similar") for c in chosen]
    if rules.fallback and len(links) < k:
        links += _fallback(source, pool, {link.id for link in links}, ok, k - len(links))
    return links


def _with_evidence(ranked: list[Candidate], rule: MinimumEvidence | None) -> list[Candidate]:
    """The candidates re-scored by ``rule``, less those too weak for it (unchanged without a rule; a
    candidate without evidence is kept as it is)."""
    if rule is None:
        return list(ranked)
    out = []
    for c in ranked:
        if c.evidence is None:
            out.append(c)
            continue
        score = rule.score(c.evidence)
        if score is not None:
            out.append(replace(c, score=score))
    return out


def _eligibility(source: Candidate, rules: Rules) -> Callable[[Candidate], bool]:
    """Whether a candidate may ever be shown beside ``source``, as a predicate built once per list."""
    now = rules.now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("Rules.now must be timezone-aware")
    cutoff = _months_before(now, rules.reviewed_within_months) if rules.reviewed_within_months is not None else None
    clashes = _clashing_tags(source.tags, rules.never_pair)

    def ok(c: Candidate) -> bool:
        return (
            c.id != source.id
            and not (c.canonical_url and c.canonical_url == source.canonical_url)
            and c.score <= rules.near_duplicate_threshold
            and c.status == "published"
            and (c.published_at is None or c.published_at <= now)
            and c.site_id == source.site_id
            and c.id not in rules.blocks
            and not clashes.intersection(t.casefold() for t in c.tags)
            and (cutoff is None or (c.medically_reviewed_at is not None and c.medically_reviewed_at >= cutoff))
        )

    return ok


def _clashing_tags(source_tags: Iterable[str], never_pair: list[tuple[str, str]]) -> set[str]:
    """Tags a candidate must not carry, given the source's tags (both directions)."""
    mine = {t.casefold() for t in source_tags}
    out: set[str] = set()
    for a, b in never_pair:
        if a.casefold() in mine:
            out.add(b.casefold())
        if b.casefold() in mine:
            out.add(a.casefold())
    return out


def _months_before(now: datetime, months: int) -> datetime:
    month0 = now.year * 12 + now.month - 1 - months
    year, month = divmod(month0, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _pinned(pins: list[int], by_id: dict[int, Candidate], ok) -> list[Link]:
    links: list[Link] = []
    for pin in dict.fromkeys(pins):
        c = by_id.get(pin)
        if c is not None and ok(c):
            links.append(Link(c.id, c.score, list(c.why), "pinned"))
    return links


def _recency(c: Candidate) -> datetime:
    return c.published_at or _OLDEST


def _by_score_then_recency(c: Candidate) -> tuple:
    # Scores equal to 9 decimals tie; the newer article wins, then the lower id.
    return (-round(c.score, 9), -_recency(c).timestamp(), c.id)


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[int] = set()
    unique = []
    for candidate in candidates:
        if candidate.id not in seen:
            seen.add(candidate.id)
            unique.append(candidate)
    return unique


def _mmr(
    candidates: list[Candidate], already: list[Link], n: int, lam: float, similarity: Callable[[int, int], float]
) -> list[Candidate]:
    """Maximal marginal relevance (Carbonell & Goldstein 1998): repeatedly take
    the candidate maximising ``lam * score - (1 - lam) * max sim to chosen``."""
    chosen_ids = [link.id for link in already]
    remaining, chosen = list(candidates), list[Candidate]()
    while remaining and len(chosen) < n:

        def value(c: Candidate) -> float:
            redundancy = max((similarity(c.id, s) for s in chosen_ids), default=0.0)
            return lam * c.score - (1 - lam) * redundancy

        best = max(remaining, key=value)  # max keeps the first of equals: ranked order
        remaining.remove(best)
        chosen.append(best)
        chosen_ids.append(best.id)
    return chosen


def _fallback(source: Candidate, pool: list[Candidate], taken: set[int], ok, n: int) -> list[Link]:
    rest = _dedupe(
        sorted((c for c in pool if c.id not in taken and ok(c)), key=lambda c: (-_recency(c).timestamp(), c.id))
    )
    mine = {c.casefold() for c in source.categories}
    same = [c for c in rest if mine.intersection(x.casefold() for x in c.categories)]
    same_ids = {c.id for c in same}
    other = [c for c in rest if c.id not in same_ids]
    links = [Link(c.id, c.score, list(c.why), "fallback_category") for c in same]
    links += [Link(c.id, c.score, list(c.why), "fallback_newest") for c in other]
    return links[:n]
