"""The minimum-evidence rule: what a link is made of, and when it is too weak to show."""

from __future__ import annotations

import pytest

from recommender.document import Document
from recommender.evidence import DEFAULT_MINIMUM_EVIDENCE, Evidence, MinimumEvidence, evidence_many, text_terms
from recommender.index import RelatedIndex
from recommender.ranking import Candidate, Rules, apply_rules

DOCS = [
    Document(1, "Migraine", "", "A migraine is a throbbing headache with aura, nausea and light sensitivity.",
             categories=("Brain and Nerves",)),
    Document(2, "Headache", "", "A headache may be a migraine: throbbing pain with aura and nausea.",
             categories=("Brain and Nerves",)),
    Document(3, "Insomnia", "", "Trouble falling asleep at night and waking too early.",
             categories=("Brain and Nerves",)),
    Document(4, "Abdominal Pain", "", "Belly pain from the stomach or bowel, with cramps and bloating.",
             categories=("Digestive System",)),
    Document(5, "Back Pain", "", "Back pain in the spine and lower back muscles, sometimes after lifting.",
             categories=("Bones, Joints and Muscles",)),
    Document(6, "Sciatica", "", "Sciatica is back pain along the sciatic nerve from the spine down the leg.",
             categories=("Bones, Joints and Muscles",)),
    Document(7, "Spinal Stenosis", "", "Narrowing of the spine presses on nerves and causes leg numbness.",
             categories=("Bones, Joints and Muscles",)),
]  # fmt: skip
TITLES = {d.id: d.title for d in DOCS}


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    return RelatedIndex(min_df=1).fit(DOCS)


def evidence(index: RelatedIndex, a: int, b: int, titles: dict[int, str] | None = TITLES) -> Evidence:
    return evidence_many(index, a, [b], titles)[0]


def test_the_parts_add_up_to_the_cosine(index: RelatedIndex) -> None:
    scores = dict(zip(*index.similarities(1), strict=True))
    for other in (2, 3, 4):
        ev = evidence(index, 1, other)
        assert ev.text + ev.labels == pytest.approx(scores[other], abs=1e-5)


def test_a_category_alone_makes_no_link(index: RelatedIndex) -> None:
    insomnia = evidence(index, 1, 3)
    assert insomnia.text == 0 and insomnia.labels > 0
    assert index.similarities(1)[1][list(index.similarities(1)[0]).index(3)] > 0  # plain cosine links them
    assert DEFAULT_MINIMUM_EVIDENCE.score(insomnia) is None
    assert MinimumEvidence().score(insomnia) is None  # even the empty rule needs some shared text


def test_labels_count_only_beside_meaningful_text() -> None:
    rule = MinimumEvidence(label_gate=0.2)
    assert rule.score(Evidence(text=0.4, labels=0.1, terms=5)) == pytest.approx(0.5)
    assert rule.score(Evidence(text=0.1, labels=0.1, terms=5)) == pytest.approx(0.15)
    peaked = MinimumEvidence(label_min_peak=0.05)
    assert peaked.score(Evidence(text=0.1, labels=0.1, terms=9, peak=0.01)) == pytest.approx(0.1)
    assert peaked.score(Evidence(text=0.1, labels=0.1, terms=9, peak=0.01, mentions=1)) == pytest.approx(0.2)
    assert peaked.score(Evidence(text=0.1, labels=0.1, terms=2, peak=0.06)) == pytest.approx(0.2)


def test_one_shared_word_needs_a_stronger_overlap(index: RelatedIndex) -> None:
    one_word = evidence(index, 5, 4)  # back pain and abdominal pain share "pain"
    several = evidence(index, 5, 6)  # back pain and sciatica share back, pain, spine
    assert one_word.terms == pytest.approx(1.0)
    assert several.terms > 1.5
    rule = MinimumEvidence(min_terms=1.5, few_terms_min_text=0.9)
    assert rule.score(one_word) is None
    assert rule.score(several) is not None


def test_a_title_named_in_the_other_article_is_a_mention(index: RelatedIndex) -> None:
    assert evidence(index, 6, 5).mentions == 1  # "back pain" is in the sciatica text
    assert evidence(index, 1, 2).mentions == 2  # each names the other
    assert evidence(index, 1, 2, titles=None).mentions == 0
    assert MinimumEvidence(mention_bonus=0.1).score(Evidence(0.2, 0.0, 3, mentions=2)) == pytest.approx(0.4)


def test_the_rule_reads_a_site_setting_and_refuses_bad_ones() -> None:
    rule = MinimumEvidence.from_mapping({"min_text": 0.1, "min_terms": 2})
    assert rule == MinimumEvidence(min_text=0.1, min_terms=2.0)
    assert MinimumEvidence.from_mapping(None) == MinimumEvidence()
    assert MinimumEvidence.from_mapping(rule.as_dict()) == rule
    for bad in ({"min_txt": 0.1}, {"min_text": True}, {"min_text": "0.1"}, {"min_text": 2}, {"min_terms": -1}):
        with pytest.raises(ValueError):
            MinimumEvidence.from_mapping(bad)


def test_rules_drop_weak_links_for_the_fallback_or_for_nothing(index: RelatedIndex) -> None:
    ids, scores = index.similarities(1)
    ranked = [Candidate(int(i), float(s)) for i, s in zip(ids, scores, strict=True) if s > 0]
    for c, ev in zip(ranked, evidence_many(index, 1, [c.id for c in ranked], TITLES), strict=True):
        c.evidence = ev
    source = Candidate(1, categories=("Brain and Nerves",))
    plain = apply_rules(source, ranked, Rules(fallback=False), k=5)
    assert 3 in [link.id for link in plain]
    ruled = apply_rules(source, ranked, Rules(fallback=False, min_evidence=DEFAULT_MINIMUM_EVIDENCE), k=5)
    assert [link.id for link in ruled] == [2]
    assert ruled[0].score > plain[0].score  # the mutual mention adds to it
    pool = [Candidate(3, categories=("Brain and Nerves",))]
    filled = apply_rules(source, ranked, Rules(min_evidence=DEFAULT_MINIMUM_EVIDENCE), k=5, pool=pool)
    assert [(link.id, link.reason) for link in filled] == [(2, "similar"), (3, "fallback_category")]


def test_the_why_of_a_link_can_leave_its_labels_out(index: RelatedIndex) -> None:
    full = index.explain_many(1, [2], n=10)[0]
    bare = text_terms(index, 1, [2], n=10)[0]
    assert "brain nerve" in full and "migraine" in full
    assert "brain nerve" not in bare and "nerve" not in bare and "migraine" in bare
    assert text_terms(index, 1, [], n=3) == []
    rule = MinimumEvidence(label_min_peak=0.5)
    assert rule.label_weight(Evidence(text=0.2, labels=0.1, terms=3, peak=0.1)) == 0
    assert rule.label_weight(Evidence(text=0.2, labels=0.1, terms=3, peak=0.1, mentions=1)) == 1
