"""A CSR matrix that grows one row at a time.

Appending to a ``scipy.sparse.csr_matrix`` copies the whole matrix; this
store keeps capacity-doubling ``data``/``indices``/``indptr`` arrays so an
append costs only the new row, and :meth:`matrix` is a zero-copy view.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class RowStore:
    def __init__(self, n_features: int, capacity: int = 64) -> None:
        self.n_features = n_features
        self.n_rows = 0
        self._data = np.empty(capacity * 16, dtype=np.float32)
        self._indices = np.empty(capacity * 16, dtype=np.int32)
        self._indptr = np.zeros(capacity + 1, dtype=np.int64)

    @property
    def nnz(self) -> int:
        return int(self._indptr[self.n_rows])

    def append(self, row: sp.csr_matrix) -> int:
        """Append a 1 x n_features row; return its row number."""
        start, end = self.nnz, self.nnz + row.nnz
        if end > len(self._data):
            size = max(end, 2 * len(self._data))
            self._data = np.resize(self._data, size)
            self._indices = np.resize(self._indices, size)
        if self.n_rows + 2 > len(self._indptr):
            self._indptr = np.resize(self._indptr, 2 * len(self._indptr))
        self._data[start:end] = row.data
        self._indices[start:end] = row.indices
        self.n_rows += 1
        self._indptr[self.n_rows] = end
        return self.n_rows - 1

    def matrix(self) -> sp.csr_matrix:
        n, nnz = self.n_rows, self.nnz
        return sp.csr_matrix(
            (self._data[:nnz], self._indices[:nnz], self._indptr[: n + 1]),
            shape=(n, self.n_features),
            copy=False,
        )

    def row(self, i: int) -> sp.csr_matrix:
        lo, hi = self._indptr[i], self._indptr[i + 1]
        return sp.csr_matrix(
            (self._data[lo:hi], self._indices[lo:hi], np.array([0, hi - lo])),
            shape=(1, self.n_features),
        )
