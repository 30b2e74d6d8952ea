"""Why two articles are related: distinctive shared words only (no generic or filler words), and the share
of the similarity from words, tags and categories."""

from __future__ import annotations

import pytest

from recommender.document import Document
from recommender.index import RelatedIndex
from recommender.pair_reasons import MIN_DOCS_FOR_IDF, pair_reasons

FILLERS = "The pain is constant and sharp, lasts for days and feels dull; see a doctor about symptoms."
TOPICS = [
    "asthma inhaler wheezing", "eczema itchy rash", "gout uric acid", "glaucoma eye pressure", "anemia iron blood",
    "shingles blisters virus", "tinnitus ringing ears", "psoriasis scaly plaques", "bunions toe joint",
    "vertigo dizziness spinning", "hives welts allergy", "cataract cloudy lens", "rosacea facial redness",
    "scoliosis curved spine", "bronchitis cough mucus", "gingivitis gums bleeding", "conjunctivitis pink eye",
    "hernia bulge groin", "lupus autoimmune rash", "warts skin growths", "sinusitis nasal congestion",
    "tendinitis tendon swelling",
]  # fmt: skip


def corpus() -> list[Document]:
    docs = [
        Document(i + 10, topic.split()[0].title(), "", f"{topic}. {topic}. {FILLERS}", categories=("Other",))
        for i, topic in enumerate(TOPICS)
    ]
    docs.append(
        Document(1, "Sciatica", "", f"Sciatica radiates down the leg from the sciatic nerve. {FILLERS}",
                 tags=("Nerve Pain",), categories=("Bones, Joints and Muscles",))
    )  # fmt: skip
    docs.append(
        Document(2, "Piriformis Syndrome", "", f"The piriformis muscle presses the sciatic nerve. {FILLERS}",
                 tags=("nerve pain",), categories=("Bones, Joints and Muscles",))
    )  # fmt: skip
    return docs


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    docs = corpus()
    assert len(docs) >= MIN_DOCS_FOR_IDF
    return RelatedIndex(min_df=1).fit(docs)


def test_only_distinctive_words_are_given(index: RelatedIndex) -> None:
    (reason,) = pair_reasons(index, 1, [2], n=5)
    assert "sciatic" in reason.terms or "sciatic nerve" in reason.terms
    generic = {"pain", "constant", "sharp", "lasts", "dull", "doctor", "symptoms", "days", "feels"}
    assert not generic & {word for term in reason.terms for word in term.split()}
    plain = index.explain(1, 2, 5)
    assert generic & {word for term in plain for word in term.split()}  # what the plain explanation showed


def test_shares_of_words_tags_and_categories(index: RelatedIndex) -> None:
    (reason,) = pair_reasons(index, 1, [2], n=3)
    assert set(reason.shares) == {"words", "tags", "categories"}
    assert abs(sum(reason.shares.values()) - 1) < 0.01 and all(0 < v < 1 for v in reason.shares.values())
    (unrelated,) = pair_reasons(index, 1, [10], n=3)
    assert set(unrelated.shares) <= {"words"}  # nothing but (filtered) filler words in common
    assert unrelated.terms == []
    assert pair_reasons(index, 1, [], n=3) == []


def test_small_sites_keep_their_shared_words() -> None:
    docs = corpus()[-2:] + [Document(3, "Gout", "", "Gout is uric acid in the toe joint.")]
    small = RelatedIndex(min_df=1).fit(docs)
    (reason,) = pair_reasons(small, 1, [2], n=3)
    assert reason.terms and not {"constant", "sharp", "lasts", "dull"} & set(reason.terms)
