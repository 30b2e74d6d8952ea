"""Feedback from an article's own first links (Rocchio's pseudo-relevance feedback) in the minimum-evidence rule."""

from __future__ import annotations

import pytest

from recommender.document import Document
from recommender.evidence import FEEDBACK_LINKS, MinimumEvidence, evidence_many, scored_evidence, with_feedback
from recommender.index import RelatedIndex
from recommender.tuning import index_predictions

# Knee articles, and one heart article (8) that shares the knee sprain's "swelling" twice over.
DOCS = [
    Document(1, "Knee Sprain", "", "A knee sprain stretches a ligament: swelling, swelling, ice, brace and rest."),
    Document(2, "Torn Ligament", "", "A torn knee ligament: orthopedic brace, joint rest and physical therapy."),
    Document(3, "Knee Brace", "", "An orthopedic knee brace steadies the joint after a ligament injury."),
    Document(4, "Knee Ice", "", "Ice the knee joint after an injury; orthopedic advice on rest."),
    Document(5, "Knee Therapy", "", "Physical therapy for the knee joint: orthopedic exercises after a sprain."),
    Document(6, "Knee Rest", "", "Rest the knee joint; an orthopedic brace and physical therapy help."),
    Document(
        7, "Meniscus Tear", "", "Meniscus tear: an orthopedic joint injury; physical therapy, exercises and a brace."
    ),
    Document(8, "Leg Swelling", "", "Swelling from heart failure: fluid, cholesterol, artery, blood, salt, swelling."),
    Document(9, "Heart Failure", "", "Heart failure: fluid, cholesterol, artery, blood and salt."),
]
TITLES = {d.id: d.title for d in DOCS}


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    return RelatedIndex(min_df=1, latent_components=0).fit(DOCS)


def test_feedback_is_the_mean_cosine_to_the_first_links(index: RelatedIndex) -> None:
    candidates = [n.id for n in index.related(1, 8)]
    rule = MinimumEvidence(feedback_weight=0.1)
    evidence = scored_evidence(index, 1, candidates, TITLES, rule)
    by_rule = sorted(candidates, key=lambda c: -(rule.score(evidence_many(index, 1, [c], TITLES)[0]) or 0))
    firsts = by_rule[:FEEDBACK_LINKS]
    for candidate, found in zip(candidates, evidence, strict=True):
        ids, cosines = index.similarities(candidate)
        cosine = dict(zip(ids.tolist(), cosines.tolist(), strict=True)) | {candidate: 1.0}
        assert found.feedback == pytest.approx(sum(cosine[f] for f in firsts) / len(firsts), abs=1e-4)
    assert evidence[candidates.index(8)].feedback < min(evidence[candidates.index(c)].feedback for c in (3, 6))


def test_feedback_moves_the_off_subject_link_down(index: RelatedIndex) -> None:
    plain = index_predictions(index, [1], 8, MinimumEvidence(), titles=TITLES)[1]
    fed = index_predictions(index, [1], 8, MinimumEvidence(feedback_weight=0.5), titles=TITLES)[1]
    assert plain.index(8) < plain.index(3) and plain.index(8) < plain.index(6)
    assert fed.index(8) > fed.index(3) and fed.index(8) > fed.index(6)
    assert set(fed) == set(plain)  # the same links pass; only their order changes


def test_no_feedback_without_its_weight(index: RelatedIndex) -> None:
    candidates = [n.id for n in index.related(1, 8)]
    evidence = evidence_many(index, 1, candidates, TITLES)
    assert with_feedback(index, candidates, evidence, MinimumEvidence()) == evidence
    assert with_feedback(index, candidates, evidence, None) == evidence
    assert all(e.feedback == 0 for e in evidence)
    assert MinimumEvidence.from_mapping({"feedback_weight": 0.05}).feedback_weight == 0.05
