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

After these comes the **query-only** block, which article-to-article similarity
does not see but queries (topics, free text) do:

* the words ``min_df`` keeps out of the text block (a word of a single article,
  "sciatica", is often the most telling word of a query), with their own idf;
* each article's whole title as one feature (``"=hypertension"``), so a query
  holding an article's name as a phrase prefers that article ("high blood
  pressure" names High Blood Pressure, not Pulmonary Hypertension).

Articles store this block multiplied by :data:`QUERY_ONLY_SCALE` (ε) and
queries multiplied by 1/ε: a query's dot product with an article counts it at
full weight, while the cosine of two articles moves by ε² at most (the text
and label blocks stay exactly as without it, and stay unit length).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from recommender.document import Document
from recommender.text import LabelAnalyzer, TermIds, TextAnalyzer, join_labels, words

TEXT_FIELDS = ("title", "summary", "body")
#: ε of the module docstring: the query-only block's scale in article vectors (1/ε in query vectors)
QUERY_ONLY_SCALE = 1e-3
#: longest article title (in words) matched as a phrase in queries
MAX_NAME_WORDS = 8
#: a name's weight in a query is (its share of the query's words) ** this
NAME_COVERAGE_POWER = 2
LABEL_FIELDS = ("tags", "categories")
FIELDS = TEXT_FIELDS + LABEL_FIELDS


class FieldVectorizer:
    """Fits the blocks described in the module docstring.

    Fitted state: ``text_`` (CountVectorizer of the text block or None), ``vocabulary_`` (text block
    and query-only words), ``n_common_`` (the text block's width), ``idf_`` (of both), ``labels_``
    ({field: TfidfVectorizer}), ``names_`` (whole titles: column in the names part).
    """

    def __init__(
        self,
        weights: dict[str, float],
        ngram_range: tuple[int, int],
        min_df: int | float,
        sublinear_tf: bool,
        idf_power: float,
        names_weight: float = 0.5,
    ) -> None:
        self.names_weight = names_weight
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
                fitted = _fit_labels([join_labels(getattr(d, field)) for d in docs], self.sublinear_tf)
                if fitted is not None:
                    self.labels_[field], block = fitted
                    label_blocks.append(block * np.float32(np.sqrt(self.weights[field])))
        if self.text_ is None and not self.labels_:
            raise ValueError("no field of these documents has any indexable term")
        self.names_ = self._fit_names(docs)
        self.titles_ = list(dict.fromkeys(d.title for d in docs))
        text = (
            [self._weigh_counts(counts[:, : self.n_common_])] if self.text_ is not None and counts is not None else []
        )
        common = text + label_blocks
        query_only = self._doc_query_only(self._full_text_counts(counts, docs), [d.title for d in docs])
        return sp.hstack([_l2(sp.hstack(common, format="csr", dtype=np.float32)), query_only], format="csr")

    def _fit_text(self, docs: Sequence[Document]) -> sp.csr_matrix | None:
        """Fit the text vocabulary (common words, then the query-only rare ones) and idf; return the
        field-weighted counts over both (the text block's columns first)."""
        self.text_, self.idf_ = None, np.empty(0, dtype=np.float32)
        self.vocabulary_: dict[str, int] = {}
        self.n_common_ = 0
        self.analyzer_ = TextAnalyzer(self.ngram_range)
        fields = [f for f in TEXT_FIELDS if self.weights.get(f, 0) > 0]
        terms: defaultdict[str, int] = defaultdict()
        terms.default_factory = terms.__len__  # an unseen term gets the next id (looked up in C, see _term_ids)
        counts = None
        token_ids = TermIds(terms) if self.analyzer_.unigram_ids else None
        for f in fields:
            texts = [getattr(d, f) for d in docs]
            block = _term_counts(texts, self.analyzer_, terms, token_ids) * np.float32(self.weights[f])
            counts = block if counts is None else _widen(counts, len(terms)) + block
        if counts is None or not terms:
            return None
        counts = _widen(counts, len(terms))
        df = np.bincount(counts.indices, minlength=len(terms))
        names = np.array(list(terms), dtype=object)
        common = df >= _min_count(self.min_df, len(docs))
        alphabetical = np.argsort(names.astype(str), kind="stable")
        # common words first, then the rare ones; each part in alphabetical order
        order = np.concatenate([alphabetical[common[alphabetical]], alphabetical[~common[alphabetical]]])
        column = np.empty(len(order), dtype=np.int32)
        column[order] = np.arange(len(order), dtype=np.int32)
        ordered = names[order].tolist()
        self.vocabulary_ = dict(zip(ordered, range(len(ordered)), strict=True))
        self.n_common_ = int(common.sum())
        idf = np.log((1 + len(docs)) / (1 + df[order])) + 1  # scikit-learn's smooth idf
        self.idf_ = (idf**self.idf_power).astype(np.float32)
        if self.n_common_:
            common_vocabulary = dict(zip(ordered[: self.n_common_], range(self.n_common_), strict=True))
            self.text_ = CountVectorizer(analyzer=self.analyzer_, vocabulary=common_vocabulary, dtype=np.float32)
        counts.indices = column[counts.indices]
        counts.has_sorted_indices = False
        counts.sort_indices()
        return counts

    def _fit_names(self, docs: Sequence[Document]) -> dict[str, int]:
        names: dict[str, int] = {}
        for doc in docs:
            name = self._name_feature(doc.title)
            if name and name not in names:
                names[name] = len(names)
        return names

    def _name_feature(self, title: str) -> str | None:
        tokens = words(title)
        return "=" + " ".join(tokens) if 0 < len(tokens) <= MAX_NAME_WORDS else None

    def _full_text_counts(self, counts: sp.csr_matrix | None, docs: Sequence[Document]) -> sp.csr_matrix:
        return counts if counts is not None else sp.csr_matrix((len(docs), 0), dtype=np.float32)

    @property
    def n_query_only_(self) -> int:
        return len(self.vocabulary_) - self.n_common_ + len(self.names_)

    def _text_parts(self, counts: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The text block over both vocabularies, L2-normalised as a whole; split into (common, rare)."""
        full = self._weigh_counts(counts)
        return full[:, : self.n_common_], full[:, self.n_common_ :]

    def _doc_query_only(self, counts: sp.csr_matrix, titles: Sequence[str]) -> sp.csr_matrix:
        """Articles' query-only block, already multiplied by ε."""
        rare = self._text_parts(counts)[1] if counts.shape[1] else sp.csr_matrix((len(titles), 0), dtype=np.float32)
        rows, cols = [], []
        for i, title in enumerate(titles):
            j = self.names_.get(self._name_feature(title) or "")
            if j is not None:
                rows.append(i)
                cols.append(j)
        value = np.float32(np.sqrt(self.names_weight))
        names = sp.csr_matrix(
            (np.full(len(rows), value, np.float32), (rows, cols)), shape=(len(titles), len(self.names_))
        )
        return sp.hstack([rare, names], format="csr", dtype=np.float32) * np.float32(QUERY_ONLY_SCALE)

    def transform(self, docs: Sequence[Document]) -> sp.csr_matrix:
        texts = {f: [getattr(d, f) for d in docs] for f in TEXT_FIELDS}
        labels = {f: [join_labels(getattr(d, f)) for d in docs] for f in LABEL_FIELDS}
        counts = self._text_counts(texts, self.weights, len(docs))
        common = self._common_blocks(counts, labels, len(docs), query=False)
        query_only = self._doc_query_only(counts, [d.title for d in docs])
        return sp.hstack([_l2(common), query_only], format="csr", dtype=np.float32)

    def transform_query(self, queries: Sequence[str]) -> sp.csr_matrix:
        """Free text read as an article body, matched against labels and article names too.

        Rows are unit length when the query-only block is counted at its true weight (see
        :meth:`normalize_queries`); that block is returned multiplied by 1/ε.
        """
        n = len(queries)
        texts = {f: (list(queries) if f == "body" else [""] * n) for f in TEXT_FIELDS}
        counts = self._text_counts(texts, {"body": 1.0}, n)
        common = self._common_blocks(counts, {f: list(queries) for f in LABEL_FIELDS}, n, query=True)
        rare = self._text_parts(counts)[1] if counts.shape[1] else sp.csr_matrix((n, 0), dtype=np.float32)
        names = self._query_names(queries) * np.float32(np.sqrt(self.names_weight))
        true = _l2(sp.hstack([common, rare, names], format="csr", dtype=np.float32))
        return self._scale_query_only(true, 1 / QUERY_ONLY_SCALE)

    def normalize_queries(self, matrix: sp.spmatrix) -> sp.csr_matrix:
        """L2-normalise query rows (sums of :meth:`transform_query` rows) by their true length."""
        true = self._scale_query_only(sp.csr_matrix(matrix, dtype=np.float32, copy=True), QUERY_ONLY_SCALE)
        return self._scale_query_only(_l2(true), 1 / QUERY_ONLY_SCALE)

    def query_norms(self, matrix: sp.spmatrix) -> np.ndarray:
        """The true L2 length of each query row (the query-only block counted at its true weight)."""
        true = self._scale_query_only(sp.csr_matrix(matrix, dtype=np.float32, copy=True), QUERY_ONLY_SCALE)
        return np.sqrt(np.asarray(true.multiply(true).sum(axis=1)).ravel())

    def _scale_query_only(self, matrix: sp.csr_matrix, factor: float) -> sp.csr_matrix:
        first = matrix.shape[1] - self.n_query_only_
        matrix.data[matrix.indices >= first] *= np.float32(factor)
        return matrix

    def _query_names(self, queries: Sequence[str]) -> sp.csr_matrix:
        """Every article name a query holds as a phrase (after synonyms), one column each.

        A name's weight is the share of the query's words it covers, squared ("diabetes" inside "diabetes
        type 1" counts 1/9 of a query that is just "diabetes"); a row is scaled down to unit length when
        several names add up to more.
        """
        rows, cols, vals = [], [], []
        for i, query in enumerate(queries):
            tokens = words(query)
            found: dict[int, float] = {}
            for size in range(1, min(MAX_NAME_WORDS, len(tokens)) + 1):
                for lo in range(len(tokens) - size + 1):
                    j = self.names_.get("=" + " ".join(tokens[lo : lo + size]))
                    if j is not None:
                        found[j] = (size / len(tokens)) ** NAME_COVERAGE_POWER
            norm = max(1.0, float(np.sqrt(sum(v * v for v in found.values()))))
            for j, value in found.items():
                rows.append(i)
                cols.append(j)
                vals.append(value / norm)
        return sp.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(len(queries), len(self.names_)))

    def _text_counts(self, texts: dict[str, list[str]], weights: dict[str, float], n: int) -> sp.csr_matrix:
        if not self.vocabulary_:
            return sp.csr_matrix((n, 0), dtype=np.float32)
        pairs = [(texts[f], weights[f]) for f in TEXT_FIELDS if weights.get(f, 0) > 0]
        return _count(self.analyzer_, self.vocabulary_, pairs, n)

    def _common_blocks(self, counts: sp.csr_matrix, labels: dict[str, list[str]], n: int, query: bool) -> sp.csr_matrix:
        """The text block (articles: common words alone; queries: normalised with their rare words) and the
        label blocks, side by side, not yet normalised as a whole."""
        # A hand-rolled transform: scikit-learn's per-call validation costs
        # milliseconds, which dominates adding one article to a large index.
        blocks = []
        if self.text_ is not None:
            common = counts[:, : self.n_common_]
            blocks.append(self._text_parts(counts)[0] if query else self._weigh_counts(common))
        for field, vec in self.labels_.items():
            label_counts = _count(vec.analyzer, vec.vocabulary_, [(labels[field], 1.0)], n)
            block = _l2(_scale_columns(_tf(label_counts, self.sublinear_tf), vec.idf_))
            blocks.append(block * np.float32(np.sqrt(self.weights[field])))
        if not blocks:
            return sp.csr_matrix((n, 0), dtype=np.float32)
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def _weigh_counts(self, counts: sp.spmatrix) -> sp.csr_matrix:
        return _l2(_scale_columns(_tf(counts, self.sublinear_tf), self.idf_[: counts.shape[1]]))

    def feature_names(self) -> np.ndarray:
        """The bare term (no field) of each column."""
        text = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        parts = [np.array(text[: self.n_common_], dtype=object)]
        parts += [v.get_feature_names_out() for v in self.labels_.values()]
        parts += [np.array(text[self.n_common_ :], dtype=object), np.array(list(self.names_), dtype=object)]
        return np.concatenate(parts)


def _fit_labels(texts: list[str], sublinear_tf: bool) -> tuple[TfidfVectorizer, sp.csr_matrix] | None:
    """A label block's ``TfidfVectorizer`` (over :class:`LabelAnalyzer`) fitted on ``texts``, and its tf-idf
    rows; None when no text yields a label term.

    The same fitted vocabulary (first-seen order, alphabetical columns), idf and rows as the vectorizer's own
    ``fit_transform``, down to each row's entry order (its terms' first-seen order), but each token is
    looked up by ``map`` in C as in :func:`_term_counts`, not in scikit-learn's Python loop per token.
    """
    analyzer = LabelAnalyzer()
    token_lists = analyzer.analyse_all(texts)
    terms: defaultdict[str, int] = defaultdict()
    terms.default_factory = terms.__len__
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    found = np.fromiter(map(terms.__getitem__, chain.from_iterable(token_lists)), dtype=np.int32, count=lengths.sum())
    if not terms:
        return None
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    counts = sp.csr_matrix((np.ones(len(found), dtype=np.float32), found, indptr), shape=(len(texts), len(terms)))
    counts.sum_duplicates()
    first_seen = list(terms)
    column = np.empty(len(first_seen), dtype=counts.indices.dtype)
    column[sorted(range(len(first_seen)), key=first_seen.__getitem__)] = np.arange(len(first_seen))
    counts.indices = column[counts.indices]  # entries keep their first-seen order, as scikit-learn leaves them
    counts.has_sorted_indices = False
    vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=sublinear_tf, dtype=np.float32)
    vectorizer.vocabulary_ = dict(zip(first_seen, column.tolist(), strict=True))
    transformer = TfidfTransformer(sublinear_tf=sublinear_tf).fit(counts)
    vectorizer.idf_ = transformer.idf_
    return vectorizer, transformer.transform(counts, copy=False)


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


def _min_count(min_df: int | float, n_docs: int) -> float:
    """scikit-learn's reading of ``min_df``: a count, or a share of the documents when a float."""
    return min_df if isinstance(min_df, int) else min_df * n_docs


#: texts tokenised at once by :func:`_term_counts`: their token strings are held until counted, and a few
#: megabytes of them at a time are freed and reused (thousands of texts' worth left Python's heap fragmented,
#: 130 MB more resident after a 10,000-article fit)
COUNT_BATCH = 64


def _term_counts(
    texts: Sequence[str], analyzer: TextAnalyzer, terms: defaultdict[str, int], token_ids: TermIds | None
) -> sp.csr_matrix:
    """Term counts of each text as a CSR matrix (one row per text, ``len(terms)`` columns), adding unseen
    terms to ``terms`` (a defaultdict handing out the next id).

    Every token is looked up by ``map`` in C, then counted with one sparse conversion: scikit-learn's
    CountVectorizer does the same with a Python loop per token, which costs more than tokenising. With
    ``token_ids`` (unigrams) each raw token is numbered by one lookup, and the numbers turned into term ids
    by one array lookup per text field (-1: a stop word or a number, dropped here). Texts are tokenised a
    small batch at a time, so only one batch's token lists are alive at once.
    """
    rows, ids = [], []
    for lo in range(0, len(texts), COUNT_BATCH):
        batch = texts[lo : lo + COUNT_BATCH]
        if token_ids is not None:
            found, lengths = token_ids.numbered(batch, analyzer.synonyms)
        else:
            token_lists = [analyzer(text) for text in batch]
            lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
            found = np.fromiter(map(terms.__getitem__, chain.from_iterable(token_lists)), np.int32, lengths.sum())
        ids.append(found)
        rows.append(np.repeat(np.arange(lo, lo + len(batch), dtype=np.int32), lengths))
    all_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
    all_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)
    if token_ids is not None:
        all_ids = token_ids.ids(all_ids)
        keep = all_ids >= 0
        all_rows, all_ids = all_rows[keep], all_ids[keep]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(all_rows, minlength=len(texts)))])
    shape = (len(texts), len(terms))
    counts = sp.csr_matrix((np.ones(len(all_ids), dtype=np.float32), all_ids, indptr), shape=shape)
    counts.sum_duplicates()
    return counts


def _widen(matrix: sp.csr_matrix, width: int) -> sp.csr_matrix:
    """``matrix`` with empty columns appended up to ``width`` (no copy of its data)."""
    if matrix.shape[1] == width:
        return matrix
    return sp.csr_matrix((matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], width))


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
