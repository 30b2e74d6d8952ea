"""Human-readable names for the terms behind a similarity score."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from recommender import text


def surface_forms(feature_names: np.ndarray) -> dict[str, str]:
    """Map each folded word of the vocabulary to a readable surface word.

    Folding turns "diabetes" into "diabete"; the explanation should show the
    word as written.  A stem that was itself seen as a word stays as it is;
    otherwise the shortest word seen that folds to it is shown ("diabetes").
    """
    # a name is words, or "=" and a label's words; words never hold "=" (they are runs of \w)
    stems = set(" ".join(feature_names.tolist()).replace("=", " ").split())
    seen = text._FOLD_CACHE
    return {stem: word for stem, word in text._SHORTEST_FOLDED.items() if stem in stems and seen.get(stem) != stem}


def display(name: str, surface: dict[str, str]) -> str:
    return " ".join(surface.get(w, w) for w in name.lstrip("=").split())


def top_terms(
    indices: np.ndarray, contributions: np.ndarray, names: np.ndarray, surface: dict[str, str], n: int
) -> list[str]:
    """Aggregate contributions by displayed term (a term may appear in several
    fields) and return the ``n`` largest, largest first."""
    if len(contributions) > 8 * n:  # only the largest can make the top n, even merged across fields
        keep = np.argpartition(-np.asarray(contributions), 8 * n)[: 8 * n]
        indices, contributions = np.asarray(indices)[keep], np.asarray(contributions)[keep]
    totals: dict[str, float] = defaultdict(float)
    for i, c in zip(indices, contributions, strict=False):
        if c > 0:
            totals[display(names[i], surface)] += float(c)
    return [t for t, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
