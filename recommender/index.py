"""The related-articles index: TF-IDF over weighted fields, cosine similarity.

Usage::

    index = RelatedIndex().fit(documents)
    index.related(42, k=20)            # [Neighbour(id=7, score=0.61), ...]
    index.add(new_doc)                 # no refit: uses the fitted vocabulary
    ids, scores = index.similarities(new_doc.id)
    index.save("var/related.joblib"); RelatedIndex.load("var/related.joblib")

Rows live in two blocks: ``main`` (built by :meth:`fit` / :meth:`compact`,
with an inverted copy so one document's similarity row only touches the
postings of its own terms) and a small growable block of rows added since.
Removed rows are masked out and dropped at the next compaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from recommender import explain as _explain
from recommender.document import Document
from recommender.fields import FieldVectorizer
from recommender.latent import LatentSpace
from recommender.phrases import EMPTY as EMPTY_PHRASES
from recommender.phrases import PhraseMap, lay_lexicon
from recommender.rows import RowStore
from recommender.topk import Neighbour, TopK, exact_top_k, pair_threads, pruned_top_k, top_k_1d, top_k_rows

FORMAT_VERSION = 3
#: corpora smaller than this take the exact full all-pairs product (it is quick, and pruning would not pay)
PRUNE_FROM = 20_000
#: title/summary/body multiply term counts in the shared text vector; tags and
#: categories are the share of their label blocks next to the text block's 1.
#: Chosen by nDCG@5 on the MedlinePlus dev links (the `recommender evaluate` command measures it).
DEFAULT_FIELD_WEIGHTS = {"title": 2.0, "summary": 1.0, "body": 1.0, "tags": 0.2, "categories": 0.1}


class IndexFormatError(ValueError):
    """A saved index file is not one this version of the code can read."""


@dataclass(frozen=True)
class InterestVectors:
    """What :meth:`RelatedIndex.interest_vectors` builds.

    ``matrix``: one L2-normalised row per person, in the order asked. ``terms``: their distinct
    interests, sorted. ``term_vectors``: one L2-normalised row per term, in ``terms`` order (to tell
    which interest an article matches best).
    """

    matrix: sp.csr_matrix
    terms: list[str]
    term_vectors: sp.csr_matrix


class RelatedIndex(BaseEstimator):
    """TF-IDF cosine index of :class:`~recommender.document.Document`.

    Parameters
    ----------
    field_weights : see :data:`DEFAULT_FIELD_WEIGHTS` and
        :mod:`recommender.fields` (None: the defaults).
    ngram_range : word n-grams of the text vector.  Unigrams by default:
        bigrams lowered nDCG@5 on the dev links and multiply memory.
    min_df, sublinear_tf : as in scikit-learn's ``TfidfVectorizer`` (min_df
        applies to the text vector; every tag and category is kept).
    idf_power : exponent of the text vector's idf (2 favours rare shared terms).
    merge_every : added rows kept in the growable block before they are
        merged into the main block (amortises the O(N) merge).
    names_weight : share of an article-name match in a query's vector, next to the
        text block's 1 (see :mod:`recommender.fields`). 0.5 by nDCG@5 of the follow-a-topic
        probe on the dev links (``python -m benchmarks.lay_language``).
    lay_lexicon : rewrite queries with the shipped lay-medical lexicon
        (:mod:`recommender.phrases`); :meth:`use_synonyms` lays a site's own over it.
    latent_components : dimensions of the latent-semantic space fitted beside the vectors
        (:mod:`recommender.latent`; 0: none). The minimum-evidence rule blends its cosine into the
        candidates' scores. 100 by nDCG@5 per fold on the dev links (docs/relevance-tuning.md).
    pairs_max_df, pairs_candidates : how :meth:`all_pairs_topk` prunes its product on corpora of
        :data:`PRUNE_FROM` documents or more (None: never). 0.05 and 40 by the cost on the MedlinePlus dev
        links and the time at 100k articles (``benchmarks/recommender_speed.py``, docs/relevance-tuning.md).
    """

    def __init__(
        self,
        field_weights: dict[str, float] | None = None,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int | float = 2,
        sublinear_tf: bool = True,
        idf_power: float = 2.0,
        merge_every: int = 20_000,
        names_weight: float = 0.5,
        lay_lexicon: bool = True,
        pairs_max_df: float | None = 0.05,
        pairs_candidates: int = 40,
        latent_components: int = 100,
    ) -> None:
        self.latent_components = latent_components
        self.pairs_max_df = pairs_max_df
        self.pairs_candidates = pairs_candidates
        self.names_weight = names_weight
        self.lay_lexicon = lay_lexicon
        self.field_weights = field_weights
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.idf_power = idf_power
        self.merge_every = merge_every

    # ----------------------------------------------------------------- fitting
    def fit(self, docs: Iterable[Document], y: None = None) -> RelatedIndex:
        docs = list(docs)
        _check_unique(docs)
        self.weights_ = dict(self.field_weights or DEFAULT_FIELD_WEIGHTS)
        self.vectorizer_ = FieldVectorizer(
            self.weights_,
            (self.ngram_range[0], self.ngram_range[1]),
            self.min_df,
            self.sublinear_tf,
            self.idf_power,
            self.names_weight,
        )
        matrix = self.vectorizer_.fit_transform(docs)
        self._names = self.vectorizer_.feature_names()
        self.surface_ = _explain.surface_forms(self._names)
        self._set_base_phrases()
        self._set_main(matrix, np.array([d.id for d in docs], dtype=np.int64))
        self.latent_ = self._fit_latent()
        return self

    def _fit_latent(self) -> LatentSpace | None:
        """The latent space of the shared blocks (text and labels; queries' block left out), if asked for."""
        if self.latent_components < 1:
            return None
        shared = self.n_features_ - self.vectorizer_.n_query_only_
        return LatentSpace.fit(self.main_[:, :shared], self.latent_components)

    def _set_main(self, matrix: sp.csr_matrix, ids: np.ndarray) -> None:
        self.n_features_ = matrix.shape[1]
        self.main_ = matrix.tocsr()
        self.main_t_ = self.main_.T.tocsr()
        self.extra_ = RowStore(self.n_features_)
        self._row_ids = ids.copy()
        self._alive = np.ones(len(ids), dtype=bool)
        self._row_of = {int(i): r for r, i in enumerate(ids)}

    @property
    def ids_(self) -> np.ndarray:
        """Ids of the indexed documents, in row order."""
        check_is_fitted(self)
        n = self._n_rows
        return self._row_ids[:n][self._alive[:n]]

    @property
    def feature_names_(self) -> np.ndarray:
        """The bare term of each column (text block first, then the label blocks)."""
        check_is_fitted(self)
        return self._names

    @property
    def _n_rows(self) -> int:
        return self.main_.shape[0] + self.extra_.n_rows

    def __len__(self) -> int:
        check_is_fitted(self)
        return len(self._row_of)

    def __contains__(self, doc_id: object) -> bool:
        return hasattr(self, "vectorizer_") and doc_id in self._row_of

    # ------------------------------------------------------------ incremental
    def add(self, doc: Document) -> RelatedIndex:
        """Index a new document with the fitted vocabulary (no refit)."""
        check_is_fitted(self)
        if doc.id in self._row_of:
            raise ValueError(f"document {doc.id} is already indexed; use update()")
        row = self.vectorizer_.transform([doc])
        n = self._n_rows
        if n + 1 > len(self._row_ids):
            size = 2 * len(self._row_ids) + 1
            self._row_ids = np.resize(self._row_ids, size)
            self._alive = np.resize(self._alive, size)
        self.extra_.append(row)
        self._row_ids[n], self._alive[n] = doc.id, True
        self._row_of[doc.id] = n
        if self.extra_.n_rows >= self.merge_every:
            self.compact()
        return self

    def update(self, doc: Document) -> RelatedIndex:
        """Re-index a changed document (it must already be indexed)."""
        self.remove(doc.id)
        return self.add(doc)

    def remove(self, doc_id: int) -> RelatedIndex:
        check_is_fitted(self)
        row = self._row(doc_id)
        self._alive[row] = False
        del self._row_of[doc_id]
        return self

    def compact(self) -> RelatedIndex:
        """Merge added rows into the main block and drop removed rows (O(N))."""
        check_is_fitted(self)
        n = self._n_rows
        alive = self._alive[:n]
        if self.extra_.n_rows == 0 and alive.all():
            return self
        matrix = sp.vstack([self.main_, self.extra_.matrix()], format="csr")[alive]
        self._set_main(matrix, self._row_ids[:n][alive])
        return self

    # ------------------------------------------------------------ similarity
    def _row(self, doc_id: int) -> int:
        try:
            return self._row_of[doc_id]
        except KeyError:
            raise KeyError(f"document {doc_id} is not indexed") from None

    def _vector(self, doc_id: int) -> sp.csr_matrix:
        row = self._row(doc_id)
        n_main = self.main_.shape[0]
        return self.main_[row] if row < n_main else self.extra_.row(row - n_main)

    def vectors(self, doc_ids: Iterable[int]) -> sp.csr_matrix:
        """The L2-normalised vectors of ``doc_ids``, one row each, in that order."""
        check_is_fitted(self)
        return self._rows_matrix(doc_ids)

    def _rows_matrix(self, doc_ids: Iterable[int]) -> sp.csr_matrix:
        """The vectors of ``doc_ids`` in that order, without copying the index."""
        rows = np.array([self._row(int(i)) for i in doc_ids], dtype=np.int64)
        n_main = self.main_.shape[0]
        in_main = rows < n_main
        if in_main.all():
            return self.main_[rows]
        stacked = sp.vstack([self.main_[rows[in_main]], self.extra_.matrix()[rows[~in_main] - n_main]], format="csr")
        placed = np.concatenate([np.flatnonzero(in_main), np.flatnonzero(~in_main)])
        return stacked[np.argsort(placed)]

    def _scores(self, vector: sp.csr_matrix) -> np.ndarray:
        """Cosine of ``vector`` with every row (dead rows included)."""
        # Gather the postings of the vector's own terms, then one C matvec:
        # O(postings touched), never O(all non-zeros).
        main = self.main_t_[vector.indices].T @ vector.data
        if not self.extra_.n_rows:
            return main
        extra = (self.extra_.matrix() @ vector.T).toarray().ravel()
        return np.concatenate([main, extra])

    def similarities(self, doc_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids of every other indexed document and their cosine to ``doc_id``."""
        check_is_fitted(self)
        scores = self._scores(self._vector(doc_id))
        mask = self._alive[: self._n_rows].copy()
        mask[self._row(doc_id)] = False
        return self._row_ids[: self._n_rows][mask], scores[mask]

    def related(self, doc_id: int, k: int = 20) -> list[Neighbour]:
        """The ``k`` most similar other documents (score > 0), best first."""
        ids, scores = self.similarities(doc_id)
        return top_k_1d(ids, scores, k, positive_only=True)

    def all_pairs_topk(self, k: int = 20, chunk: int = 8192) -> TopK:
        """Every document's ``k`` nearest neighbours (for a full rebuild).

        The product of the index with its transpose, ``chunk`` rows at a time, keeping only each row's best
        entries as it goes (:func:`recommender.topk.product_top_n`: the product itself is never written, so
        memory stays at the index plus a few places a row, and the pruned path's operands). With
        ``pairs_max_df`` set and from :data:`PRUNE_FROM` documents, the product leaves out the terms found in
        more than that share of the documents and the query-only block (see
        :func:`recommender.topk.pruned_top_k`): each row's ``pairs_candidates`` best by that pruned product are
        scored exactly, so every score is exact and only the choice of candidates is approximate. Otherwise
        the exact product.
        """
        check_is_fitted(self)
        self.compact()
        n = self.main_.shape[0]
        chunk = max(1, chunk)
        threads = pair_threads()
        pruned = self._pair_product_columns()
        if pruned is not None:
            cols, vals = pruned_top_k(self.main_, self.main_t_, pruned, k, self.pairs_candidates, chunk, threads)
        else:
            cols, vals = exact_top_k(self.main_, self.main_t_, k, chunk, threads)
        ids = self._row_ids[:n]
        neighbours = np.where(cols >= 0, ids[np.maximum(cols, 0)], -1)
        return TopK(ids.copy(), neighbours, vals)

    def _pair_product_columns(self) -> np.ndarray | None:
        """The columns the pruned all-pairs product keeps, or None for the full product (pruning off, or a
        corpus too small for it to pay)."""
        if self.pairs_max_df is None or self.main_.shape[0] < PRUNE_FROM:
            return None
        n = self.main_.shape[0]
        shared = self.n_features_ - self.vectorizer_.n_query_only_
        df = np.diff(self.main_t_.indptr)[:shared]
        return np.flatnonzero(df <= self.pairs_max_df * n).astype(np.int64)

    # --------------------------------------------------------------- queries
    def _set_base_phrases(self) -> None:
        """The lexicon (unless turned off) with the fitted titles laid over it, each meaning itself."""
        lexicon = lay_lexicon() if self.lay_lexicon else EMPTY_PHRASES
        self.base_phrases_ = lexicon.overlaid((title, title) for title in self.vectorizer_.titles_)

    def use_synonyms(self, pairs: Iterable[tuple[str, str]]) -> RelatedIndex:
        """Rewrite this index's queries with these (phrase, meaning) pairs laid over the lexicon and titles."""
        check_is_fitted(self)
        self.phrases_ = self.base_phrases_.overlaid(pairs)
        return self

    @property
    def phrases(self) -> PhraseMap:
        """How queries are rewritten before matching (lexicon and titles unless :meth:`use_synonyms` was called)."""
        check_is_fitted(self)
        return getattr(self, "phrases_", None) or self.base_phrases_

    def query_norms(self, query_matrix: sp.spmatrix) -> np.ndarray:
        """The length of each query row as scoring sees it (query rows hold the query-only block of
        :mod:`recommender.fields` at 1/ε, so ``sp.linalg.norm`` would overstate it)."""
        check_is_fitted(self)
        return self.vectorizer_.query_norms(query_matrix)

    def normalize_queries(self, query_matrix: sp.spmatrix) -> sp.csr_matrix:
        """Query rows (sums of :meth:`interest_vectors` rows, weighted as the caller likes) at unit length as
        scoring sees it; see :meth:`query_norms`."""
        check_is_fitted(self)
        return self.vectorizer_.normalize_queries(query_matrix)

    def search(self, query: str, k: int = 20) -> list[Neighbour]:
        """The ``k`` documents matching free text best (score > 0), best first."""
        check_is_fitted(self)
        vector = self.query_vector(query)
        mask = self._alive[: self._n_rows]
        return top_k_1d(self._row_ids[: self._n_rows][mask], self._scores(vector)[mask], k, positive_only=True)

    def query_vector(self, terms: Iterable[str] | str) -> sp.csr_matrix:
        """A 1 x n_features profile: each term (topic, phrase) counts equally."""
        return self.query_vectors([terms])

    def query_vectors(self, profiles: Iterable[Iterable[str] | str]) -> sp.csr_matrix:
        """Many profiles in one pass (n_profiles x n_features, unit length by :meth:`query_norms`); see
        :meth:`interest_vectors`."""
        return self.interest_vectors([[p] if isinstance(p, str) else p for p in profiles]).matrix

    def interest_vectors(self, interests: Iterable[Iterable[str]]) -> InterestVectors:
        """Query vectors of many people's interests (topics, phrases) at once.

        Each interest is rewritten with :attr:`phrases` (lay lexicon, site synonyms), then each distinct
        interest is vectorised once (many people follow the same topics) into a unit
        vector; a person's vector is the L2-normalised sum of their interests' vectors, so each of
        their interests counts equally.
        """
        check_is_fitted(self)
        groups = [list(group) for group in interests]
        terms = sorted({term for group in groups for term in group})
        position = {term: i for i, term in enumerate(terms)}
        phrases = self.phrases
        term_vectors = (
            self.vectorizer_.transform_query([phrases.rewrite(term) for term in terms])
            if terms
            else sp.csr_matrix((0, self.n_features_), dtype=np.float32)
        )
        owners = np.repeat(np.arange(len(groups)), [len(group) for group in groups])
        columns = np.array([position[term] for group in groups for term in group], dtype=np.int64)
        member = sp.csr_matrix((np.ones(len(columns), np.float32), (owners, columns)), shape=(len(groups), len(terms)))
        matrix = self.vectorizer_.normalize_queries(member @ term_vectors)
        return InterestVectors(matrix, terms, term_vectors)

    def rank(self, query_vector: sp.spmatrix, candidate_ids: Iterable[int], k: int | None = None) -> list[Neighbour]:
        """Candidates ordered by cosine to the profile (zeros included), best first."""
        check_is_fitted(self)
        ids = np.asarray(list(candidate_ids), dtype=np.int64)
        if not len(ids):
            return []
        scores = (self._rows_matrix(ids) @ sp.csr_matrix(query_vector).T).toarray().ravel()
        return top_k_1d(ids, scores, k, positive_only=False)

    def rank_many(
        self, query_matrix: sp.spmatrix, candidate_ids: Iterable[int], k: int = 10, chunk: int = 8192
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` candidates for every profile row: (ids, scores), each of
        shape (n_profiles, min(k, n_candidates)), best first.

        One sparse product per block of profiles (100k profiles x 1,000
        articles take a few seconds), no Python work per pair.
        """
        check_is_fitted(self)
        ids = np.asarray(list(candidate_ids), dtype=np.int64)
        cand_t = self._rows_matrix(ids).T.tocsr()
        q = sp.csr_matrix(query_matrix, dtype=np.float32)
        k = min(k, len(ids))
        out_ids = np.empty((q.shape[0], k), dtype=np.int64)
        out_scores = np.empty((q.shape[0], k), dtype=np.float32)
        for lo in range(0, q.shape[0], chunk):
            block = (q[lo : lo + chunk] @ cand_t).toarray()
            cols, vals = top_k_rows(block, k)
            out_ids[lo : lo + chunk], out_scores[lo : lo + chunk] = ids[cols], vals
        return out_ids, out_scores

    # --------------------------------------------------------------- explain
    def explain(self, doc_id: int, other_id: int, n: int = 3) -> list[str]:
        """The ``n`` terms contributing most to the two documents' cosine."""
        check_is_fitted(self)
        return self._top_terms(self._vector(doc_id), self._vector(other_id), n)

    def explain_many(self, doc_id: int, other_ids: Iterable[int], n: int = 3) -> list[list[str]]:
        """:meth:`explain` for several other documents at once (one sparse product)."""
        check_is_fitted(self)
        product = self.vectors(other_ids).multiply(self._vector(doc_id)).tocsr()
        return [
            _explain.top_terms(product.indices[lo:hi], product.data[lo:hi], self._names, self.surface_, n)
            for lo, hi in zip(product.indptr[:-1], product.indptr[1:], strict=True)
        ]

    def explain_query(self, query_vector: sp.spmatrix, doc_id: int, n: int = 3) -> list[str]:
        check_is_fitted(self)
        return self._top_terms(sp.csr_matrix(query_vector), self._vector(doc_id), n)

    def _top_terms(self, a: sp.csr_matrix, b: sp.csr_matrix, n: int) -> list[str]:
        product = a.multiply(b).tocsr()
        return _explain.top_terms(product.indices, product.data, self._names, self.surface_, n)

    # ----------------------------------------------------------- persistence
    def save(self, path: str | Path | BinaryIO) -> None:
        """Write the fitted index (compacted) with joblib, to a file path or a binary file object."""
        check_is_fitted(self)
        self.compact()
        state = {
            "vectorizer": self.vectorizer_,
            "weights": self.weights_,
            "surface": self.surface_,
            "matrix": self.main_,
            "ids": self.ids_,
            "latent": self.latent_,
        }
        joblib.dump({"format_version": FORMAT_VERSION, "params": self.get_params(), "state": state}, path)

    @classmethod
    def load(cls, path: str | Path | BinaryIO) -> RelatedIndex:
        """Read a file written by :meth:`save`. Only load files you wrote:
        joblib files can run code when read."""
        data = joblib.load(path)
        version = data.get("format_version") if isinstance(data, dict) else None
        if version != FORMAT_VERSION:
            raise IndexFormatError(
                f"{path} holds a related-index of format {version!r}; this code reads "
                f"format {FORMAT_VERSION}. Rebuild the index (refit) to replace it."
            )
        index, state = cls(**data["params"]), data["state"]
        index.vectorizer_, index.weights_ = state["vectorizer"], state["weights"]
        index.surface_, index._names = state["surface"], index.vectorizer_.feature_names()
        index._set_base_phrases()
        index._set_main(state["matrix"], state["ids"])
        index.latent_ = state["latent"]
        return index


def _check_unique(docs: list[Document]) -> None:
    if len({d.id for d in docs}) != len(docs):
        raise ValueError("document ids must be unique")
