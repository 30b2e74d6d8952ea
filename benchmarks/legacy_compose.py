"""The digest composition as it was before per-subscriber windows were applied before the cut.

Kept only as the baseline of ``benchmarks.digest_speed``: it cuts the top candidates over every profile's
rows before each profile's window and already-sent set are applied, and builds a dense candidates x
candidates similarity matrix. Do not use it to send mail.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsletter.digests.compose import Composed, DigestCandidate, Pick, Profile, Settings
from recommender.index import RelatedIndex

REPEAT_SIMILARITY = 0.8


def _profile_terms(profile: Profile) -> list[str]:
    return list(profile.topics) + ([profile.text] if profile.text else [])


def compose(
    index: RelatedIndex | None, profiles: Sequence[Profile], candidates: Sequence[DigestCandidate], settings: Settings
) -> list[Composed]:
    """Each profile's digest, best matches first, at most ``settings.max_items``."""
    by_id = {c.id: c for c in candidates if index is not None and c.id in index}
    if not profiles:
        return []
    if index is None or not by_id:
        return [_fallback(p, candidates, settings) for p in profiles]
    ids = list(by_id)
    interests = index.interest_vectors([_profile_terms(p) for p in profiles])
    top_ids, top_scores = index.rank_many(interests.matrix, ids, k=min(len(ids), settings.max_items * 4))
    article_matrix = index.vectors(ids)
    column = {article_id: i for i, article_id in enumerate(ids)}
    term_scores = (interests.term_vectors @ article_matrix.T).toarray()
    term_row = {t: i for i, t in enumerate(interests.terms)}
    similar = (article_matrix @ article_matrix.T).toarray()
    out = []
    for row, profile in enumerate(profiles):
        picks = _picks(profile, top_ids[row], top_scores[row], by_id, settings, column, similar)
        for pick in picks:
            pick.reason = _reason(profile, pick.article.id, column, term_scores, term_row)
        out.append(Composed(profile.subscriber_id, picks) if picks else _fallback(profile, candidates, settings))
    return out


def _picks(
    profile: Profile,
    ids: np.ndarray,
    scores: np.ndarray,
    by_id: dict[int, DigestCandidate],
    settings: Settings,
    column: dict[int, int],
    similar: np.ndarray,
) -> list[Pick]:
    picks: list[Pick] = []
    for article_id, score in zip(ids.tolist(), scores.tolist(), strict=True):
        article = by_id[article_id]
        if (
            score < settings.min_score
            or article_id in profile.already_sent
            or article.published_at < profile.window_start
        ):
            continue
        if any(similar[column[article_id], column[p.article.id]] > REPEAT_SIMILARITY for p in picks):
            continue
        picks.append(Pick(article, float(score), ""))
        if len(picks) == settings.max_items:
            break
    return picks


def _reason(
    profile: Profile, article_id: int, column: dict[int, int], term_scores: np.ndarray, term_row: dict[str, int]
) -> str:
    """ "Because you follow <topic>" for the chosen topic that matches best; free text gets a general line."""
    best, best_score = None, 0.0
    for term in _profile_terms(profile):
        score = float(term_scores[term_row[term], column[article_id]])
        if score > best_score:
            best, best_score = term, score
    if best is None or best == profile.text:
        return "Because it matches the interests you told us about"
    return f"Because you follow {best}"


def _fallback(profile: Profile, candidates: Sequence[DigestCandidate], settings: Settings) -> Composed:
    fresh = [c for c in candidates if c.published_at >= profile.window_start and c.id not in profile.already_sent]
    if not fresh:
        return Composed(profile.subscriber_id, skipped="no_new_articles")
    if not settings.newest_anyway:
        return Composed(profile.subscriber_id, skipped="no_match")
    newest = sorted(fresh, key=lambda c: c.published_at, reverse=True)[: settings.max_items]
    return Composed(profile.subscriber_id, [Pick(c, 0.0, f"New from {settings.site_name}") for c in newest])
