"""The latent-semantic space beside the index, and how the minimum-evidence rule blends its cosine in."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.document import Document
from recommender.evidence import DEFAULT_MINIMUM_EVIDENCE, Evidence, MinimumEvidence, evidence_many
from recommender.index import RelatedIndex
from recommender.latent import LatentSpace, _gram_lower
from recommender.tuning import index_predictions

# Two subjects, each told in its own words. "Swelling" is the one word that crosses between them: the knee
# article 1 and the heart article 5 both repeat it, so their exact cosine beats that of 1 and the sprain
# articles 4 and 8, which share one word of 1 each ("ligament").
DOCS = [
    Document(1, "Knee Sprain", "", "A knee sprain stretches the ligament. Swelling, swelling and more swelling; ice."),
    Document(2, "Heart Failure", "", "The heart muscle pumps weakly; cholesterol and artery plaque, some swelling."),
    Document(3, "Ankle Sprain", "", "An ankle sprain tears a ligament; ice, a brace and rest help the joint."),
    Document(4, "Torn Ligament", "", "A torn ligament of the ankle joint needs a brace and rest."),
    Document(5, "Leg Swelling", "", "Swelling, swelling of the legs from the heart: fluid, cholesterol, artery."),
    Document(6, "Coronary Plaque", "", "Cholesterol plaque narrows a heart artery; the heart muscle needs blood."),
    Document(7, "High Cholesterol", "", "Cholesterol builds plaque in an artery and strains the heart muscle."),
    Document(8, "Joint Brace", "", "A brace rests a sprained joint: ankle or ligament injuries."),
]
TITLES = {d.id: d.title for d in DOCS}


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    return RelatedIndex(min_df=1, latent_components=2).fit(DOCS)


def latent(index: RelatedIndex, a: int, b: int) -> float:
    value = evidence_many(index, a, [b], TITLES)[0].latent
    assert value is not None
    return value


def test_the_latent_cosine_tells_the_subject_apart_from_a_shared_word(index: RelatedIndex) -> None:
    exact = dict(zip(*index.similarities(1), strict=True))
    assert exact[5] > exact[4] > 0 and exact[5] > exact[8] > 0
    for sprain in (3, 4, 8):
        assert latent(index, 1, sprain) > 0.85
        assert (
            latent(index, 1, sprain) > latent(index, 1, 5) + 0.3
            and latent(index, 1, sprain) > latent(index, 1, 2) + 0.3
        )
    assert latent(index, 1, 3) == pytest.approx(latent(index, 3, 1), abs=1e-5)


def test_the_rule_blends_the_latent_cosine_into_the_score() -> None:
    rule = MinimumEvidence(latent_weight=0.25)
    assert rule.score(Evidence(text=0.4, labels=0.0, terms=3, latent=0.8)) == pytest.approx(0.75 * 0.4 + 0.25 * 0.8)
    assert rule.score(Evidence(text=0.4, labels=0.0, terms=3)) == pytest.approx(0.4)  # an index without the space
    assert rule.score(Evidence(text=0.0, labels=0.2, terms=0, latent=1.0)) is None  # it never admits a link
    assert MinimumEvidence.from_mapping({"latent_weight": 0.1}).latent_weight == 0.1
    with pytest.raises(ValueError, match="between 0 and 1"):
        MinimumEvidence.from_mapping({"latent_weight": 1.5})
    assert DEFAULT_MINIMUM_EVIDENCE.latent_weight > 0


def test_a_strong_blend_puts_the_same_subject_first(index: RelatedIndex) -> None:
    plain = index_predictions(index, [1], 7, MinimumEvidence(), titles=TITLES)[1]
    blended = index_predictions(index, [1], 7, MinimumEvidence(latent_weight=0.5), titles=TITLES)[1]
    assert plain[:2] == [3, 5]  # by exact words the heart article comes second
    assert set(blended) == set(plain)  # the same links pass; only their order changes
    assert set(blended[:3]) == {3, 4, 8} and blended.index(5) > 2


def test_an_added_article_is_projected_with_the_fitted_space(index: RelatedIndex) -> None:
    grown = RelatedIndex(min_df=1, latent_components=2).fit(DOCS)
    twin = Document(9, "Knee Sprain Again", "", DOCS[0].body)
    grown.add(twin)
    assert evidence_many(grown, 9, [1], None)[0].latent == pytest.approx(1.0, abs=1e-5)
    assert evidence_many(grown, 9, [3], None)[0].latent == pytest.approx(latent(index, 1, 3), abs=1e-5)


def test_no_space_when_turned_off_or_too_small_and_the_space_is_saved(index: RelatedIndex, tmp_path) -> None:
    off = RelatedIndex(min_df=1, latent_components=0).fit(DOCS)
    assert evidence_many(off, 1, [3], TITLES)[0].latent is None
    assert off.latent_ is None
    one = RelatedIndex(min_df=1).fit(DOCS[:1])
    assert one.latent_ is None
    assert RelatedIndex(min_df=1).fit(DOCS[:3]).latent_.n_components == 2  # at most one less than the articles
    sampled = LatentSpace.fit(index.vectors([d.id for d in DOCS]), 10, max_rows=4)
    assert sampled is not None and sampled.n_components == 3  # fitted on 4 of the 8 articles
    path = tmp_path / "index.joblib"
    index.save(path)
    loaded = RelatedIndex.load(path)
    assert evidence_many(loaded, 1, [3, 5], TITLES) == evidence_many(index, 1, [3, 5], TITLES)


def test_the_blocked_gram_matrix_holds_the_lower_triangle_of_the_whole_product() -> None:
    rows = sp.random(23, 40, density=0.3, format="csr", dtype=np.float32, random_state=0)
    whole = (rows @ rows.T).toarray()
    for block in (1, 5, 23, 100):
        assert np.array_equal(np.tril(_gram_lower(rows, block)), np.tril(whole))
