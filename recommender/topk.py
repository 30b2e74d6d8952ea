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
        c, v = top_k_rows(block, k)
        c[v <= 0] = -1
        cols[lo:hi], vals[lo:hi] = c, np.maximum(v, 0)
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
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        rows = np.arange(hi - lo)
        block = (left[lo:hi] @ right_t).toarray()
        block[rows, lo + rows] = -1  # never a candidate of itself
        cand, pruned = top_k_rows(block, width)
        del block
        exact = _pair_scores(matrix, np.repeat(np.arange(lo, hi), width), cand.ravel()).reshape(hi - lo, width)
        few = np.flatnonzero((pruned > 0).sum(axis=1) < k)
        if len(few):
            full = (matrix[lo + few] @ matrix.T).toarray()
            full[np.arange(len(few)), lo + few] = -1
            cand_few, exact_few = top_k_rows(full, width)
            cand[few], exact[few] = cand_few, exact_few
        pos, best = top_k_rows(exact, k)
        c = np.take_along_axis(cand, pos, axis=1)
        c[best <= 0] = -1
        cols[lo:hi], vals[lo:hi] = c, np.maximum(best, 0)
    return cols, vals


def _pair_scores(matrix: sp.csr_matrix, left_rows: np.ndarray, right_rows: np.ndarray) -> np.ndarray:
    """The dot product of each (left, right) pair of rows of ``matrix``."""
    product = matrix[left_rows].multiply(matrix[right_rows])
    return np.asarray(product.sum(axis=1), dtype=np.float32).ravel()
