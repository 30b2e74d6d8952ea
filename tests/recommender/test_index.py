import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from recommender import index as index_module
from recommender.document import Document
from recommender.index import FORMAT_VERSION, IndexFormatError, RelatedIndex
from recommender.topk import pruned_top_k


@pytest.fixture
def index(corpus):
    return RelatedIndex(min_df=1).fit(corpus)


def test_related_finds_the_topical_neighbour_and_never_itself(index):
    related = index.related(1, k=5)
    assert related[0].id == 2
    assert 1 not in [n.id for n in related]
    assert [n.score for n in related] == sorted((n.score for n in related), reverse=True)
    assert index.related(3, k=1)[0].id == 4
    assert index.related(5, k=1)[0].id == 6


def test_related_k_limits_and_skips_zero_scores(index):
    assert len(index.related(1, k=1)) == 1
    assert all(n.score > 0 for n in index.related(1, k=10))


def test_methods_need_a_fitted_index():
    with pytest.raises(NotFittedError):
        RelatedIndex().related(1)
    assert 1 not in RelatedIndex()


def test_len_contains_ids(index):
    assert len(index) == 6
    assert 3 in index and 99 not in index
    assert list(index.ids_) == [1, 2, 3, 4, 5, 6]


def test_fit_rejects_duplicate_ids(corpus):
    with pytest.raises(ValueError, match="unique"):
        RelatedIndex(min_df=1).fit(corpus + [corpus[0]])


def test_similarities_cover_every_other_document(index):
    ids, scores = index.similarities(3)
    assert sorted(ids) == [1, 2, 4, 5, 6]
    assert scores[list(ids).index(4)] == pytest.approx(index.related(3, 1)[0].score)


def test_add_without_refit_uses_fitted_vocabulary(corpus):
    index = RelatedIndex(min_df=1).fit(corpus)
    vocabulary = index.vectorizer_.feature_names().copy()
    index.add(Document(7, "Knee Injuries", body="Knee sprains hurt the ligament; zygomorphic."))
    assert 7 in index and len(index) == 7
    assert list(index.vectorizer_.feature_names()) == list(vocabulary)
    assert index.related(7, k=2)[0].id in {5, 6}
    assert 7 in [n.id for n in index.related(6, k=3)]


def test_add_matches_fit_on_same_vocabulary(corpus):
    grown = RelatedIndex(min_df=1).fit(corpus[:5]).add(corpus[5])
    ids, scores = grown.similarities(6)
    other = RelatedIndex(min_df=1).fit(corpus[:5])
    other.vectorizer_ = grown.vectorizer_
    expected = other.vectorizer_.transform(corpus[:5]) @ other.vectorizer_.transform([corpus[5]]).T
    np.testing.assert_allclose(scores, expected.toarray().ravel(), rtol=1e-5)


def test_add_rejects_known_id(index, corpus):
    with pytest.raises(ValueError, match="update"):
        index.add(corpus[0])


def test_update_changes_the_neighbours(index):
    index.update(
        Document(
            5,
            "Heart Attack Recovery",
            body="After a heart attack, cardiac rehab helps the heart muscle.",
            categories=("Heart and Circulation",),
        )
    )
    assert index.related(5, k=1)[0].id in {3, 4}
    assert len(index) == 6


def test_remove_drops_document_everywhere(index):
    index.remove(2)
    assert 2 not in index and len(index) == 5
    assert 2 not in [n.id for n in index.related(1, k=10)]
    assert 2 not in index.similarities(1)[0]
    with pytest.raises(KeyError):
        index.related(2)
    with pytest.raises(KeyError):
        index.remove(2)


def test_compaction_keeps_results(corpus):
    index = RelatedIndex(min_df=1, merge_every=2).fit(corpus[:3])
    for doc in corpus[3:]:
        index.add(doc)  # merges after every second add
    index.remove(4)
    before = {i: index.related(i, 5) for i in index.ids_}
    index.compact()
    assert index.extra_.n_rows == 0
    for i in index.ids_:
        assert [n.id for n in index.related(i, 5)] == [n.id for n in before[i]]
        np.testing.assert_allclose([n.score for n in index.related(i, 5)], [n.score for n in before[i]], rtol=1e-6)


def test_explain_shows_surface_words(index):
    terms = index.explain(1, 2, n=3)
    assert "diabetes" in terms
    assert "diabete" not in terms
    assert len(terms) <= 3


def test_query_vector_rank_and_explain_query(index):
    q = index.query_vector(["heart attack", "chest pain"])
    ranked = index.rank(q, [1, 3, 5, 4])
    assert [n.id for n in ranked][:2] in ([3, 4], [4, 3])
    assert len(index.rank(q, [1, 3, 5, 4], k=2)) == 2
    assert "chest pain" not in index.explain_query(q, 3)  # unigram features
    assert "chest" in index.explain_query(q, 3, n=5)


def test_rank_many_agrees_with_rank(index):
    profiles = [["diabetes"], "ankle sprain", ["heart attack", "insulin"]]
    matrix = index.query_vectors(profiles)
    ids, scores = index.rank_many(matrix, [1, 2, 3, 4, 5, 6], k=3, chunk=2)
    assert ids.shape == scores.shape == (3, 3)
    for row, profile in enumerate(profiles):
        expected = index.rank(index.query_vector(profile), [1, 2, 3, 4, 5, 6], k=3)
        np.testing.assert_allclose(scores[row], [n.score for n in expected], rtol=1e-5)
        assert set(ids[row][scores[row] > 0]) == {n.id for n in expected if n.score > 0}


def test_all_pairs_topk_matches_related(index):
    index.add(Document(7, "Knee Injuries", body="Knee sprains hurt the ligament."))
    top = index.all_pairs_topk(k=3, chunk=2).as_dict()
    assert set(top) == set(index.ids_)
    for doc_id, neighbours in top.items():
        expected = index.related(doc_id, 3)
        assert [n.id for n in neighbours] == [n.id for n in expected]


def test_save_and_load_round_trip(index, tmp_path):
    index.add(Document(7, "Knee Injuries", body="Knee sprains hurt the ligament."))
    path = tmp_path / "index.joblib"
    index.save(path)
    loaded = RelatedIndex.load(path)
    assert list(loaded.ids_) == list(index.ids_)
    assert loaded.related(7, 3) == index.related(7, 3)
    assert loaded.explain(1, 2) == index.explain(1, 2)
    assert loaded.get_params() == index.get_params()


def test_load_refuses_another_format_version(index, tmp_path):
    import joblib

    path = tmp_path / "old.joblib"
    joblib.dump({"format_version": FORMAT_VERSION + 1, "params": {}, "state": {}}, path)
    with pytest.raises(IndexFormatError, match="format"):
        RelatedIndex.load(path)


def test_field_weights_are_validated(corpus):
    with pytest.raises(ValueError, match="unknown"):
        RelatedIndex(field_weights={"heading": 1.0}).fit(corpus)
    with pytest.raises(ValueError, match=">= 1"):
        RelatedIndex(field_weights={"title": 0.5, "body": 1}).fit(corpus)


def test_title_weight_pulls_title_matches_up():
    docs = [
        Document(1, "Asthma", body="Breathing problems and wheezing."),
        Document(2, "Asthma in Children", body="Kids cough at night."),
        Document(3, "Night Cough", body="Breathing problems wheezing asthma."),
        Document(4, "Other", body="Kids night."),
    ]
    plain = RelatedIndex(min_df=1, field_weights={"title": 1, "body": 1}).fit(docs)
    heavy = RelatedIndex(min_df=1, field_weights={"title": 5, "body": 1}).fit(docs)

    def score(ix, other):
        ids, scores = ix.similarities(1)
        return scores[list(ids).index(other)]

    assert score(heavy, 2) / score(heavy, 3) > score(plain, 2) / score(plain, 3)


def test_query_vectors_are_unit_length(index):
    m = index.query_vectors(["diabetes", ["heart", "ankle"]])
    assert sp.issparse(m)
    np.testing.assert_allclose(index.query_norms(m), 1, rtol=1e-5)


def test_interest_vectors_vectorise_each_distinct_interest_once_and_weigh_them_equally(index):
    people = [["heart attack", "diabetes"], [], ["diabetes"], ["diabetes", "heart attack"]]
    interests = index.interest_vectors(people)
    assert interests.terms == ["diabetes", "heart attack"]
    assert interests.matrix.shape == (4, index.n_features_)
    assert interests.term_vectors.shape == (2, index.n_features_)
    np.testing.assert_allclose(index.query_norms(interests.term_vectors), 1, rtol=1e-5)
    np.testing.assert_allclose(index.query_norms(interests.matrix), [1, 0, 1, 1], rtol=1e-5)
    np.testing.assert_allclose(interests.matrix[0].toarray(), interests.matrix[3].toarray(), rtol=1e-6)
    np.testing.assert_allclose(interests.matrix[2].toarray(), interests.term_vectors[0].toarray(), rtol=1e-6)
    halfway = interests.term_vectors[0] + interests.term_vectors[1]
    np.testing.assert_allclose(
        interests.matrix[0].toarray(), (halfway / index.query_norms(halfway)[0]).toarray(), rtol=1e-5, atol=1e-4
    )
    np.testing.assert_allclose(interests.matrix.toarray(), index.query_vectors(people).toarray(), rtol=1e-6)


def test_interest_vectors_of_nobody_with_interests(index):
    interests = index.interest_vectors([[], []])
    assert interests.terms == []
    assert interests.matrix.shape == (2, index.n_features_) and interests.matrix.nnz == 0
    assert interests.term_vectors.shape == (0, index.n_features_)


def test_fit_and_transform_paths_agree(corpus):
    index = RelatedIndex(min_df=1).fit(corpus)
    again = index.vectorizer_.transform(corpus)
    np.testing.assert_allclose(index.main_.toarray(), again.toarray(), rtol=1e-5, atol=1e-7)


def test_rank_mixes_fitted_and_added_candidates_in_any_order(index):
    index.add(Document(7, "Heart Failure", body="The heart muscle pumps weakly; chest pain."))
    q = index.query_vector("heart muscle")
    by_rank = {n.id: n.score for n in index.rank(q, [7, 1, 3])}
    assert set(by_rank) == {1, 3, 7}
    for doc_id in (7, 1, 3):
        assert by_rank[doc_id] == pytest.approx(index.rank(q, [doc_id])[0].score)
    assert by_rank[1] < min(by_rank[3], by_rank[7])


@pytest.fixture(scope="module")
def medlineplus_index() -> RelatedIndex:
    from articles.demo import DEMO_TOPICS
    from recommender.medlineplus import read_topics

    return RelatedIndex().fit(read_topics(DEMO_TOPICS))


def test_pruned_all_pairs_scores_are_exact_and_its_lists_nearly_the_exact_ones(medlineplus_index, monkeypatch):
    index = medlineplus_index
    exact = index.all_pairs_topk(20)  # 1,017 documents: below PRUNE_FROM, the full product
    monkeypatch.setattr(index_module, "PRUNE_FROM", 100)
    assert index._pair_product_columns() is not None
    pruned = index.all_pairs_topk(20)
    np.testing.assert_array_equal(pruned.ids, exact.ids)
    overlaps, firsts = [], []
    for row in range(0, len(pruned.ids), 7):
        doc_id = int(pruned.ids[row])
        ids, scores = index.similarities(doc_id)
        score_of = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        for neighbour, score in zip(pruned.neighbours[row], pruned.scores[row], strict=True):
            if neighbour >= 0:
                assert score == pytest.approx(score_of[int(neighbour)], abs=1e-5)  # every score is exact
        overlaps.append(len(set(pruned.neighbours[row]) & set(exact.neighbours[row])) / 20)
        firsts.append(len(set(pruned.neighbours[row][:5]) & set(exact.neighbours[row][:5])) / 5)
    # the lists a page shows (the first few) are nearly always the same; deeper places trade near-equal scores
    assert np.mean(firsts) > 0.95 and np.mean(overlaps) > 0.8
    # the same twentieth score wherever the lists agree on it: never a worse neighbour kept over a better one
    assert (pruned.scores[:, -1] <= exact.scores[:, -1] + 1e-5).all()


def test_pruned_all_pairs_leaving_out_no_shared_term_is_the_exact_product(medlineplus_index, monkeypatch):
    index = medlineplus_index
    exact = index.all_pairs_topk(20)
    monkeypatch.setattr(index_module, "PRUNE_FROM", 100)
    monkeypatch.setattr(index, "pairs_max_df", 1.0)
    pruned = index.all_pairs_topk(20)
    np.testing.assert_allclose(pruned.scores, exact.scores, atol=1e-5)


def test_a_row_sharing_only_common_terms_still_gets_its_neighbours():
    common = "health doctor care"
    docs = [Document(i, f"Topic {i}", body=f"{common} rare{i}word rare{i}word other{i % 50}term") for i in range(200)]
    docs.append(Document(999, "Plain", body=common))
    index = RelatedIndex().fit(docs)
    df = np.diff(index.main_t_.indptr)
    kept = np.flatnonzero(df <= 0.5 * len(docs))
    assert {index.feature_names_[j] for j in np.flatnonzero(df > 0.5 * len(docs))} >= {"health", "doctor", "care"}
    cols, vals = pruned_top_k(index.main_, index.main_t_, kept, 3, 5, 64)  # "Plain" has no term in the pruned product
    row = int(np.flatnonzero(index.ids_ == 999)[0])
    expected = index.related(999, 3)
    assert [int(index.ids_[c]) for c in cols[row]] == [n.id for n in expected]
    np.testing.assert_allclose(vals[row], [n.score for n in expected], rtol=1e-5)


def _brute_force_top_k(index: RelatedIndex, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every row's k best other rows from the dense product in float64: best first, ties by smaller column."""
    dense = (index.main_.astype(np.float64) @ index.main_t_.astype(np.float64)).toarray()
    np.fill_diagonal(dense, -1)
    order = np.lexsort((np.broadcast_to(np.arange(dense.shape[1]), dense.shape), -dense))[:, :k]
    return order, np.take_along_axis(dense, order, axis=1)


def test_exact_all_pairs_lists_are_the_dense_products_top_20(medlineplus_index):
    index = medlineplus_index
    top = index.all_pairs_topk(20, chunk=300)  # several blocks; 1,017 documents: the exact path
    cols, scores = _brute_force_top_k(index, 21)
    np.testing.assert_allclose(top.scores, scores[:, :20], atol=1e-6)
    clear = scores[:, 19] - scores[:, 20] > 1e-6  # rows whose 20th place is not a near-tie with the 21st
    assert clear.mean() > 0.95
    expected = index.ids_[cols[:, :20]]
    for row in np.flatnonzero(clear):
        assert set(top.neighbours[row]) == set(expected[row])


def test_exact_top_k_breaks_a_tie_at_the_last_place_by_the_smaller_id():
    docs = [Document(i, f"Topic {i}", body=f"unique{i} alpha beta") for i in range(6)]
    docs += [Document(10, "Twin", body="gamma delta"), Document(11, "Twin", body="gamma delta")]
    docs += [Document(12, "Twin", body="gamma delta"), Document(13, "Other", body="gamma epsilon")]
    index = RelatedIndex(min_df=1).fit(docs)
    top = index.all_pairs_topk(1).as_dict()
    assert [n.id for n in top[12]] == [10]  # 10 and 11 are equally close; the smaller id wins, as in related()
    assert [n.id for n in top[12]] == [n.id for n in index.related(12, 1)]


def test_pruned_all_pairs_on_a_zipf_corpus_keeps_nearly_every_exact_neighbour(monkeypatch):
    from benchmarks.recommender_speed import corpus

    index = RelatedIndex().fit(corpus(1500, seed=3))
    exact = index.all_pairs_topk(20)
    monkeypatch.setattr(index_module, "PRUNE_FROM", 1000)
    kept = index._pair_product_columns()
    assert kept is not None and len(kept) < index.n_features_ - index.vectorizer_.n_query_only_
    pruned = index.all_pairs_topk(20)
    recall = np.mean([len(set(p) & set(e)) / 20 for p, e in zip(pruned.neighbours, exact.neighbours, strict=True)])
    assert recall > 0.99
    assert (pruned.scores[:, -1] <= exact.scores[:, -1] + 1e-5).all()
    same = np.array([set(p) == set(e) for p, e in zip(pruned.neighbours, exact.neighbours, strict=True)])
    np.testing.assert_allclose(pruned.scores[same], exact.scores[same], atol=1e-5)


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2)])
def test_fit_counts_the_same_terms_as_transform_with_stop_words_numbers_plurals_and_synonyms(ngram_range):
    from benchmarks.recommender_speed import corpus as zipf_corpus

    docs = zipf_corpus(300, seed=4) + [
        Document(1000, "Heart attacks in 2024", body="The heart attack and 12 allergies; infections of the knees."),
        Document(1001, "Allergy", summary="An allergy is not an infection", body="Knee pain, heart attack, 12 cases."),
    ]
    index = RelatedIndex(min_df=1, ngram_range=ngram_range).fit(docs)
    again = index.vectorizer_.transform(docs)
    np.testing.assert_allclose(index.main_.toarray(), again.toarray(), rtol=1e-5, atol=1e-7)
    names = set(index.feature_names_)
    assert {"allergy", "infection", "knee"} <= names and "12" not in names and "the" not in names
