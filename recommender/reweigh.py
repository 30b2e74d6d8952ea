"""What an article's neighbours would be under other field weights, without refitting the index.

A refit with new weights (``RelatedIndex(field_weights=...)``) rebuilds the vocabulary and every vector: too
much for a preview. Here the fitted vocabulary and idf are kept and only the weights change, for one article
and a pool of candidates (its nearest under the current weights). Weights multiply term counts and scale the
label blocks, so this matches a refit closely; it differs where the vocabulary itself would change (a text
field given weight 0 at fit time adds no new words; a tag or category block left out at fit time stays out).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np

from recommender.document import Document
from recommender.fields import _check_weights
from recommender.index import RelatedIndex
from recommender.topk import Neighbour, top_k_1d


def reweighed_related(
    index: RelatedIndex,
    doc: Document,
    candidates: Sequence[Document],
    field_weights: Mapping[str, float],
    k: int = 20,
) -> list[Neighbour]:
    """The ``k`` candidates most similar to ``doc`` when its parts count as ``field_weights`` say."""
    weights = {**index.weights_, **field_weights}
    _check_weights(weights)
    others = [c for c in candidates if c.id != doc.id]
    if not others:
        return []
    vectorizer = copy.copy(index.vectorizer_)
    vectorizer.weights = weights
    matrix = vectorizer.transform([doc, *others])
    scores = np.asarray((matrix[1:] @ matrix[0].T).toarray()).ravel()
    return top_k_1d(np.array([c.id for c in others], dtype=np.int64), scores, k, positive_only=True)
