"""Vectorised top-k selection helpers (argpartition, no Python loop per row)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Neighbour:
    id: int
    score: float


@dataclass(frozen=True)
class TopK:
    """Neighbours of many rows at once: row ``i`` of ``neighbours``/``scores``
    belongs to ``ids[i]``; missing places hold id -1 and score 0."""

    ids: np.ndarray
    neighbours: np.ndarray
    scores: np.ndarray

    def as_dict(self) -> dict[int, list[Neighbour]]:
        return {
            int(doc_id): [Neighbour(int(n), float(s)) for n, s in zip(ns, ss, strict=False) if n >= 0]
            for doc_id, ns, ss in zip(self.ids, self.neighbours, self.scores, strict=False)
        }


def top_k_1d(ids: np.ndarray, scores: np.ndarray, k: int | None, positive_only: bool) -> list[Neighbour]:
    """The k best (id, score) pairs, best first, ties broken by smaller id."""
    if positive_only:
        keep = scores > 0
        ids, scores = ids[keep], scores[keep]
    if k is not None and k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
        ids, scores = ids[part], scores[part]
    order = np.lexsort((ids, -scores))
    return [Neighbour(int(i), float(s)) for i, s in zip(ids[order], scores[order], strict=False)]


def top_k_rows(dense: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column positions and values of each row's k largest entries, sorted."""
    k = min(k, dense.shape[1])
    if k == 0:
        empty = np.empty((dense.shape[0], 0))
        return empty.astype(np.int64), empty.astype(dense.dtype)
    if k < dense.shape[1]:
        part = np.argpartition(-dense, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(k), dense.shape).copy()
    vals = np.take_along_axis(dense, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(vals, order, axis=1)


#: :func:`top_positive_rows` estimates each row's threshold from every this-many-th column
SAMPLE_STRIDE = 8


def top_positive_rows(dense: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`top_k_rows` for the positive entries only: a row with fewer than ``k`` of them is padded
    with column -1 and value 0. Ties are taken in column order.

    ``argpartition`` over every cell writes an index per cell and dominates a block's time. Here the ``k``-th
    largest value of a sample of the columns (a lower bound of the row's true ``k``-th largest) selects the
    few cells that can be in the top ``k``, and only those are sorted.
    """
    n_rows, n_cols = dense.shape
    k = min(k, n_cols)
    cols = np.full((n_rows, k), -1, dtype=np.int64)
    vals = np.zeros((n_rows, k), dtype=dense.dtype)
    if k == 0 or n_rows == 0:
        return cols, vals
    sample = dense[:, ::SAMPLE_STRIDE] if n_cols >= 4 * SAMPLE_STRIDE * k else dense
    at = sample.shape[1] - min(k, sample.shape[1])
    threshold = np.partition(sample, at, axis=1)[:, at]
    threshold = np.maximum(threshold, np.finfo(dense.dtype).tiny)
    rows, found = np.nonzero(dense >= threshold[:, None])
    scores = dense[rows, found]
    order = np.lexsort((-scores, rows))
    rows, found, scores = rows[order], found[order], scores[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, np.arange(n_rows))[rows]
    keep = rank < k
    cols[rows[keep], rank[keep]] = found[keep]
    vals[rows[keep], rank[keep]] = scores[keep]
    return cols, vals


def chunked_top_k(
    left: sp.csr_matrix, right_t: sp.csr_matrix, k: int, chunk: int, exclude_diagonal: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``left @ right_t`` per row, computed a block of rows at a time.

    Each block is one sparse matrix product, densified only block-wise, so
    memory stays at ``chunk x n_columns`` floats.
    """
    n, m = left.shape[0], right_t.shape[1]
    k = min(k, m)
    cols = np.full((n, k), -1, dtype=np.int64)
    vals = np.zeros((n, k), dtype=np.float32)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        block = (left[lo:hi] @ right_t).toarray()
        if exclude_diagonal:
            rows = np.arange(hi - lo)
            block[rows, lo + rows] = 0
        cols[lo:hi], vals[lo:hi] = top_positive_rows(block, k)
    return cols, vals


def pruned_top_k(
    matrix: sp.csr_matrix, product_columns: np.ndarray, k: int, candidates: int, chunk: int
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``matrix @ matrix.T`` per row (diagonal excluded), without the full product.

    The product is taken over ``product_columns`` only (the caller leaves out the commonest terms, whose
    postings make it dense and slow while their weight is small); each row's ``candidates`` best by that
    pruned score are then scored exactly over every column, and the ``k`` best of those are kept. A row with
    fewer than ``k`` positive pruned scores is scored exactly against every row. So every score returned is
    exact; only a neighbour whose pruned score falls outside a row's candidates can be missed.
    """
    n = matrix.shape[0]
    k = min(k, max(n - 1, 0))
    cols = np.full((n, k), -1, dtype=np.int64)
    vals = np.zeros((n, k), dtype=np.float32)
    if k == 0:
        return cols, vals
    width = min(max(candidates, k), n - 1)
    left = matrix[:, product_columns].tocsr()
    right_t = left.T.tocsr()
    rest = np.ones(matrix.shape[1], dtype=bool)
    rest[product_columns] = False
    others = matrix[:, np.flatnonzero(rest)].tocsr()  # what the pruned product left out, to complete the scores
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        rows = np.arange(hi - lo)
        block = (left[lo:hi] @ right_t).toarray()
        block[rows, lo + rows] = -1  # never a candidate of itself
        cand, pruned = top_positive_rows(block, width)
        del block
        rest_scores = _pair_scores(others, np.repeat(np.arange(lo, hi), width), np.maximum(cand, 0).ravel())
        exact = np.where(cand >= 0, pruned + rest_scores.reshape(hi - lo, width), 0)
        few = np.flatnonzero((cand >= 0).sum(axis=1) < k)
        if len(few):
            full = (matrix[lo + few] @ matrix.T).toarray()
            full[np.arange(len(few)), lo + few] = -1
            cand[few], exact[few] = top_positive_rows(full, width)
        pos, best = top_positive_rows(exact, k)
        c = np.take_along_axis(cand, np.maximum(pos, 0), axis=1)
        c[pos < 0] = -1
        cols[lo:hi], vals[lo:hi] = c, best
    return cols, vals


def _pair_scores(matrix: sp.csr_matrix, left_rows: np.ndarray, right_rows: np.ndarray) -> np.ndarray:
    """The dot product of each (left, right) pair of rows of ``matrix``."""
    product = matrix[left_rows].multiply(matrix[right_rows])
    return np.asarray(product.sum(axis=1), dtype=np.float32).ravel()
