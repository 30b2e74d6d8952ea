"""Vectorised top-k selection helpers (argpartition, no Python loop per row)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sparse_dot_topn import sp_matmul_topn


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
    _place_first(cols, vals, rows, found, scores, np.lexsort((-scores, rows)))
    return cols, vals


def _place_first(
    cols: np.ndarray, vals: np.ndarray, rows: np.ndarray, found: np.ndarray, scores: np.ndarray, order: np.ndarray
) -> None:
    """Write each row's first ``cols.shape[1]`` entries, taken in ``order`` (sorted by row first), into place."""
    rows, found, scores = rows[order], found[order], scores[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, np.arange(cols.shape[0]))[rows]
    keep = rank < cols.shape[1]
    cols[rows[keep], rank[keep]] = found[keep]
    vals[rows[keep], rank[keep]] = scores[keep]


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


def product_top_n(left: sp.csr_matrix, right_t: sp.csr_matrix, top_n: int, threads: int | None) -> sp.csr_matrix:
    """The ``top_n`` largest positive entries of each row of ``left @ right_t``, without the product itself.

    ``sparse_dot_topn`` accumulates one row of the product at a time in C++ and keeps only its best entries,
    so no block of the product is ever written (dense or sparse): memory stays at the inputs plus ``top_n``
    entries a row, and the time is the multiplications alone.
    """
    return sp_matmul_topn(left, right_t, top_n=top_n, threshold=0.0, n_threads=threads)


def padded_rows(result: sp.csr_matrix, k: int, own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` best positive entries of a sparse result as (columns, values), best first (ties:
    smaller column first), padded with column -1 and value 0. With ``own`` given, row ``i``'s column
    ``own[i]`` (the row itself, in a product of rows of a matrix with its transpose) is left out."""
    n = result.shape[0]
    cols = np.full((n, k), -1, dtype=np.int64)
    vals = np.zeros((n, k), dtype=np.float32)
    rows = np.repeat(np.arange(n), np.diff(result.indptr))
    found = result.indices.astype(np.int64)
    scores = result.data.astype(np.float32)
    keep = scores > 0
    if own is not None:
        keep &= found != own[rows]
    rows, found, scores = rows[keep], found[keep], scores[keep]
    _place_first(cols, vals, rows, found, scores, np.lexsort((found, -scores, rows)))
    return cols, vals


def _padded_result(n: int, k: int) -> tuple[int, np.ndarray, np.ndarray]:
    """``k`` capped at the other rows there are, and the (columns, values) arrays a row-wise top-k fills."""
    k = min(k, max(n - 1, 0))
    return k, np.full((n, k), -1, dtype=np.int64), np.zeros((n, k), dtype=np.float32)


def exact_top_k(
    matrix: sp.csr_matrix, matrix_t: sp.csr_matrix, k: int, chunk: int, threads: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``matrix @ matrix.T`` per row (diagonal excluded), exact, a block of ``chunk`` rows at a time.

    Two places more than ``k`` are asked for: one for the row itself and one spare, so that two equal
    scores at the ``k``-th place go to the smaller column as in :func:`top_k_1d` (among more equal scores
    than that, which ones ``sparse_dot_topn`` keeps is its choice).
    """
    n = matrix.shape[0]
    k, cols, vals = _padded_result(n, k)
    if k == 0:
        return cols, vals
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        cols[lo:hi], vals[lo:hi] = padded_rows(
            product_top_n(matrix[lo:hi], matrix_t, k + 2, threads), k, np.arange(lo, hi)
        )
    return cols, vals


def pair_threads() -> int | None:
    """Threads for :func:`product_top_n`: one a core (None, sequential, on a single core)."""
    cores = os.cpu_count() or 1
    return cores if cores > 1 else None


#: rows rescored at once by :func:`pruned_top_k` (each holds ``candidates`` row pairs in memory)
RESCORE_ROWS = 256


def pruned_top_k(
    matrix: sp.csr_matrix,
    matrix_t: sp.csr_matrix,
    product_columns: np.ndarray,
    k: int,
    candidates: int,
    chunk: int,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``matrix @ matrix.T`` per row (diagonal excluded), without the full product.

    ``matrix_t`` is ``matrix.T`` as CSR (the index keeps it). The product is taken over ``product_columns``
    only (the caller leaves out the commonest terms, whose postings hold many of the multiplications while
    their weight is small), keeping each row's ``candidates`` best by that pruned score; each candidate's
    score is then completed with the left-out columns, so it is exact, and the ``k`` best are kept. A row
    with fewer than ``k`` positive pruned scores is scored exactly against every row. So every score
    returned is exact; only a neighbour whose pruned score falls outside a row's candidates can be missed.
    The operands are cut from the rows of ``matrix_t`` (kept and left-out columns): together they hold the
    index's non-zeros once more, never a dense or sparse block of the product.
    """
    n = matrix.shape[0]
    k, cols, vals = _padded_result(n, k)
    if k == 0:
        return cols, vals
    width = min(max(candidates, k), n - 1)
    right_t = matrix_t[product_columns]
    left = right_t.T.tocsr()
    rest = np.ones(matrix.shape[1], dtype=bool)
    rest[product_columns] = False
    others = matrix_t[np.flatnonzero(rest)].T.tocsr()  # the left-out columns, to complete the scores
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        cand, pruned = padded_rows(product_top_n(left[lo:hi], right_t, width + 1, threads), width, np.arange(lo, hi))
        for at in range(lo, hi, RESCORE_ROWS):
            end = min(hi, at + RESCORE_ROWS)
            part = slice(at - lo, end - lo)
            cols[at:end], vals[at:end] = _completed(others, cand[part], pruned[part], at, k)
        few = lo + np.flatnonzero((cand >= 0).sum(axis=1) < k)
        for at in range(0, len(few), RESCORE_ROWS):
            some = few[at : at + RESCORE_ROWS]  # rare: scipy's whole rows, so ties go to the smaller column
            cols[some], vals[some] = padded_rows((matrix[some] @ matrix_t).tocsr(), k, some)
    return cols, vals


def _completed(
    others: sp.csr_matrix, cand: np.ndarray, pruned: np.ndarray, lo: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best candidates of rows ``lo...`` by their exact scores (pruned score plus the left-out
    columns' share), best first, ties by the smaller column, padded with column -1 and score 0."""
    n_rows, width = cand.shape
    rows = np.repeat(np.arange(lo, lo + n_rows), width)
    rest = _pair_scores(others, rows, np.maximum(cand, 0).ravel()).reshape(n_rows, width)
    exact = np.where(cand >= 0, pruned + rest, 0).astype(np.float32)
    order = np.lexsort((np.where(cand >= 0, cand, np.iinfo(np.int64).max), -exact))[:, :k]
    best = np.take_along_axis(exact, order, axis=1)
    cols = np.where(best > 0, np.take_along_axis(cand, order, axis=1), -1)
    return cols, np.where(best > 0, best, 0).astype(np.float32)


def _pair_scores(matrix: sp.csr_matrix, left_rows: np.ndarray, right_rows: np.ndarray) -> np.ndarray:
    """The dot product of each (left, right) pair of rows of ``matrix``."""
    product = matrix[left_rows].multiply(matrix[right_rows])
    return np.asarray(product.sum(axis=1), dtype=np.float32).ravel()
