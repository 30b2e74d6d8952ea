"""A latent-semantic space over the index's vectors (LSA: truncated SVD of the TF-IDF matrix).

Two articles about one subject often share few exact words ("cytomegalovirus" and "viral infections"), yet
the words each uses keep company with the same others across the corpus. The leading singular vectors of the
article-by-term matrix capture that company, so the cosine of two articles in this space tells a shared
subject where the exact-word cosine sees little. The minimum-evidence rule (:mod:`recommender.evidence`)
blends a small share of it into the scores of the candidates the exact cosine found; it never finds
candidates of its own, so a link still needs shared text.

Projecting a vector is one sparse product with the components, so an article added after the fit gets its
latent vector from the fitted components like any other (no refit), and nothing per article is stored.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

#: the space is fitted on at most this many articles, evenly spread over the rows: a thousand articles show
#: which words keep company, and the fit's cost stays bounded however large the site grows
MAX_ROWS = 1000


class LatentSpace:
    """The top ``n_components`` right singular vectors of a fitted matrix (rows: articles)."""

    def __init__(self, components: np.ndarray) -> None:
        self.components_ = components.astype(np.float32)

    @classmethod
    def fit(cls, matrix: sp.csr_matrix, n_components: int, max_rows: int = MAX_ROWS) -> LatentSpace | None:
        """The space of ``matrix``'s leading ``n_components`` dimensions, fewer on a small corpus (at most one
        less than its rows and its columns); None when not even one is left. Fitted on ``max_rows`` rows
        evenly spread over the matrix when it has more.

        Exact and deterministic: the eigenvectors ``U`` of the rows' Gram matrix ``X X^T`` (a small dense
        matrix) give the right singular vectors ``X^T U / sigma``. Only the leading ``k`` eigenpairs are
        computed (LAPACK's MRRR driver on a subset), in single precision: the space only re-orders links
        by a small share of their score, and this halves the fit's fixed cost. One BLAS thread: the
        matrices are small, and more threads only spin on a shared machine.
        """
        if matrix.shape[0] > max_rows:
            matrix = matrix[np.linspace(0, matrix.shape[0] - 1, max_rows).astype(np.int64)]
        k = min(n_components, matrix.shape[0] - 1, matrix.shape[1] - 1)
        if k < 1:
            return None
        rows = sp.csr_matrix(matrix, dtype=np.float32)
        n = rows.shape[0]
        with threadpool_limits(1):
            values, vectors = scipy.linalg.eigh(
                _gram_lower(rows), subset_by_index=[n - k, n - 1], driver="evr", overwrite_a=True
            )
        keep = np.argsort(values)[::-1]
        keep = keep[values[keep] > 1e-6 * values.max(initial=0.0)]  # single precision's noise floor
        if not len(keep):
            return None
        components = np.asarray(rows.T @ vectors[:, keep]).T / np.sqrt(values[keep])[:, None]
        return cls(components)

    @property
    def n_components(self) -> int:
        return int(self.components_.shape[0])

    def project(self, vectors: sp.csr_matrix) -> np.ndarray:
        """Each row of ``vectors`` in the latent space, L2-normalised (a zero row stays zero)."""
        width = self.components_.shape[1]
        dense = np.asarray(vectors[:, :width] @ self.components_.T, dtype=np.float32)
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        return np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)

    def cosines(self, source: sp.csr_matrix, others: sp.csr_matrix) -> np.ndarray:
        """The latent cosine of the single row ``source`` with each row of ``others``."""
        return self.project(others) @ self.project(source)[0]


def _gram_lower(rows: sp.csr_matrix, block: int = 250) -> np.ndarray:
    """``rows @ rows.T`` as a dense array, exact in its lower triangle (all that ``eigh`` reads of a symmetric
    matrix) and zero in most of the upper, for about four fifths of the cost of the whole product.

    Each block of rows is multiplied by the rows up to its last, so every entry is the same sum, in the same
    order, as in the whole product.
    """
    n = rows.shape[0]
    gram = np.zeros((n, n), dtype=rows.dtype)
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        gram[lo:hi, :hi] = (rows[lo:hi] @ rows[:hi].T).toarray()
    return gram
