"""Documents to weighted, L2-normalised TF-IDF vectors.

A vector is made of blocks laid side by side:

* the **text** block: one vocabulary shared by title, summary and body, so a
  title word of one article matches the same word in another's body.  The
  ``title``/``summary``/``body`` weights multiply each field's term counts
  (weight 2 = the field written twice), a classic way to make headings count
  more without splitting the vocabulary;
* one **label** block each for ``tags`` and ``categories`` (whole labels plus
  their words), L2-normalised and scaled by ``sqrt(weight)`` so its share of
  the final cosine is ``weight`` relative to the text block's 1.

The text block raises idf to ``idf_power``: with power 2 a shared rare term
(a disease name) outweighs shared everyday clinical words ("doctor",
"treatment") more sharply than plain TF-IDF does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from recommender.document import Document
from recommender.text import LabelAnalyzer, TextAnalyzer, join_labels

TEXT_FIELDS = ("title", "summary", "body")
LABEL_FIELDS = ("tags", "categories")
FIELDS = TEXT_FIELDS + LABEL_FIELDS


class FieldVectorizer:
    """Fits the blocks described in the module docstring.

    Fitted state: ``text_`` (CountVectorizer or None), ``idf_``, ``labels_``
    ({field: TfidfVectorizer}).
    """

    def __init__(
        self,
        weights: dict[str, float],
        ngram_range: tuple[int, int],
        min_df: int | float,
        sublinear_tf: bool,
        idf_power: float,
    ) -> None:
        self.weights = weights
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.idf_power = idf_power

    def fit(self, docs: Sequence[Document]) -> FieldVectorizer:
        self.fit_transform(docs)
        return self

    def fit_transform(self, docs: Sequence[Document]) -> sp.csr_matrix:
        """Fit and return the document vectors, analysing each text once."""
        _check_weights(self.weights)
        counts = self._fit_text(docs)
        self.labels_, label_blocks = {}, []
        for field in LABEL_FIELDS:
            if self.weights.get(field, 0) > 0:
                vec = TfidfVectorizer(analyzer=LabelAnalyzer(), sublinear_tf=self.sublinear_tf, dtype=np.float32)
                block = _try_fit(vec, [join_labels(getattr(d, field)) for d in docs])
                if block is not None:
                    self.labels_[field] = vec
                    label_blocks.append(block * np.float32(np.sqrt(self.weights[field])))
        if self.text_ is None and not self.labels_:
            raise ValueError("no field of these documents has any indexable term")
        blocks = ([self._weigh_counts(counts)] if counts is not None else []) + label_blocks
        return _l2(sp.hstack(blocks, format="csr", dtype=np.float32))

    def _fit_text(self, docs: Sequence[Document]) -> sp.csr_matrix | None:
        """Fit the text vocabulary and idf; return the field-weighted counts."""
        self.text_, self.idf_ = None, np.empty(0, dtype=np.float32)
        analyzer = TextAnalyzer(self.ngram_range)
        fields = [f for f in TEXT_FIELDS if self.weights.get(f, 0) > 0]
        tokens = {f: [analyzer(getattr(d, f)) for d in docs] for f in fields}
        joined = [sum((tokens[f][i] for f in fields), []) for i in range(len(docs))]
        counter = CountVectorizer(analyzer=_pretokenised, min_df=self.min_df, dtype=np.float32)
        whole = _try_fit(counter, joined)
        if whole is None:
            return None
        df = np.bincount(whole.indices, minlength=whole.shape[1])
        del joined, whole
        idf = np.log((1 + len(docs)) / (1 + df)) + 1  # scikit-learn's smooth idf
        self.idf_ = (idf**self.idf_power).astype(np.float32)
        self.text_ = CountVectorizer(analyzer=analyzer, vocabulary=counter.vocabulary_, dtype=np.float32)
        return sum(counter.transform(tokens[f]) * np.float32(self.weights[f]) for f in fields)

    def transform(self, docs: Sequence[Document]) -> sp.csr_matrix:
        texts = {f: [getattr(d, f) for d in docs] for f in TEXT_FIELDS}
        labels = {f: [join_labels(getattr(d, f)) for d in docs] for f in LABEL_FIELDS}
        return self._stack(texts, labels, len(docs))

    def transform_query(self, queries: Sequence[str]) -> sp.csr_matrix:
        """Free text read as an article body and matched against labels too."""
        texts = {f: (list(queries) if f == "body" else [""] * len(queries)) for f in TEXT_FIELDS}
        return self._stack(texts, {f: list(queries) for f in LABEL_FIELDS}, len(queries), text_weights={"body": 1.0})

    def _stack(
        self,
        texts: dict[str, list[str]],
        labels: dict[str, list[str]],
        n: int,
        text_weights: dict[str, float] | None = None,
    ) -> sp.csr_matrix:
        # A hand-rolled transform: scikit-learn's per-call validation costs
        # milliseconds, which dominates adding one article to a large index.
        blocks = []
        if self.text_ is not None:
            weights = text_weights or self.weights
            pairs = [(texts[f], weights[f]) for f in TEXT_FIELDS if weights.get(f, 0) > 0]
            counts = _count(self.text_.analyzer, self.text_.vocabulary, pairs, n)
            blocks.append(self._weigh_counts(counts))
        for field, vec in self.labels_.items():
            counts = _count(vec.analyzer, vec.vocabulary_, [(labels[field], 1.0)], n)
            block = _l2(_scale_columns(_tf(counts, self.sublinear_tf), vec.idf_))
            blocks.append(block * np.float32(np.sqrt(self.weights[field])))
        return _l2(sp.hstack(blocks, format="csr", dtype=np.float32))

    def _weigh_counts(self, counts: sp.spmatrix) -> sp.csr_matrix:
        return _l2(_scale_columns(_tf(counts, self.sublinear_tf), self.idf_))

    def feature_names(self) -> np.ndarray:
        """The bare term (no field) of each column."""
        parts = [self.text_.get_feature_names_out()] if self.text_ is not None else []
        parts += [v.get_feature_names_out() for v in self.labels_.values()]
        return np.concatenate(parts)


def _try_fit(vectorizer: CountVectorizer, texts: list) -> sp.csr_matrix | None:
    """fit_transform; None when nothing survives stop words and min_df."""
    if not any(texts):
        return None
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # "empty vocabulary" / "no terms remain"
        return None


def _count(
    analyzer, vocabulary: dict[str, int], texts_and_weights: list[tuple[list[str], float]], n: int
) -> sp.csr_matrix:
    """Weighted term counts of ``n`` rows; each list holds one text per row."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for texts, weight in texts_and_weights:
        for i, text in enumerate(texts):
            for token in analyzer(text):
                j = vocabulary.get(token)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
                    vals.append(weight)
    # Build the CSR arrays directly: going through COO costs more than the
    # counting itself for a single document.
    width = len(vocabulary)
    keys, where = np.unique(np.array(rows, np.int64) * width + np.array(cols, np.int64), return_inverse=True)
    data = np.bincount(where, weights=vals, minlength=len(keys)).astype(np.float32)
    indptr = np.searchsorted(keys // width, np.arange(n + 1)) if n else np.zeros(1, np.int64)
    return sp.csr_matrix((data, (keys % width).astype(np.int32), indptr), shape=(n, width))


def _tf(counts: sp.spmatrix, sublinear: bool) -> sp.csr_matrix:
    counts = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    counts.sum_duplicates()
    if sublinear:
        np.log(counts.data, out=counts.data)
        counts.data += 1
    return counts


def _scale_columns(matrix: sp.csr_matrix, factors: np.ndarray) -> sp.csr_matrix:
    """``matrix @ diag(factors)`` in O(nnz) (a diagonal matrix costs O(columns))."""
    matrix.data *= factors[matrix.indices].astype(np.float32)
    return matrix


def _l2(matrix: sp.spmatrix) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    inplace_csr_row_normalize_l2(matrix)
    return matrix


def _pretokenised(tokens: list[str]) -> list[str]:
    return tokens


def _check_weights(weights: dict[str, float]) -> None:
    unknown = set(weights) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown fields in field_weights: {sorted(unknown)}")
    for field in TEXT_FIELDS:
        if 0 < weights.get(field, 0) < 1:
            raise ValueError(
                f"text field weight {field}={weights[field]} must be 0 or >= 1 (it multiplies term counts)"
            )
    if any(w < 0 for w in weights.values()):
        raise ValueError("field weights must not be negative")
