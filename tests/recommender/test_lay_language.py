"""Queries in patients' words find the demo clinic's articles: rare words, the lay lexicon, phrases, site synonyms."""

from __future__ import annotations

import pytest

from articles.demo import DEMO_TOPICS
from articles.synonyms.seeding import also_called_pairs
from recommender.document import Document
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topics
from recommender.phrases import lay_lexicon, read_lexicon


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return list(read_topics(DEMO_TOPICS))


@pytest.fixture(scope="module")
def index(docs) -> RelatedIndex:
    """The shipped lexicon only: no site synonyms."""
    return RelatedIndex().fit(docs)


@pytest.fixture(scope="module")
def titles(docs) -> dict[int, str]:
    return {d.id: d.title for d in docs}


def top_titles(index: RelatedIndex, titles: dict[int, str], query: str, k: int = 5) -> list[str]:
    return [titles[n.id] for n in index.search(query, k)]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("sciatica", "Sciatica"),
        ("cholangiocarcinoma", "Bile Duct Cancer"),
        ("stomach flu", "Gastroenteritis"),
        ("high blood pressure", "High Blood Pressure"),
        ("sugar diabetes", "Diabetes"),
        ("mini stroke", "Transient Ischemic Attack"),
        ("mini-stroke", "Transient Ischemic Attack"),
        ("bellyache", "Abdominal Pain"),
        ("glycohemoglobin", "A1C"),
        ("lactation", "Breastfeeding"),
        ("nursing homes", "Nursing Homes"),
    ],
)
def test_lay_words_find_the_article_they_name_first(index, titles, query, first):
    assert top_titles(index, titles, query)[0] == first


def test_a_word_of_a_single_article_still_makes_a_query(index, docs):
    in_one = [d for d in docs if "cholangiocarcinoma" in f"{d.title} {d.summary} {d.body}".lower()]
    assert len(in_one) == 1  # min_df=2 keeps it out of article-to-article similarity
    vector = index.query_vector("cholangiocarcinoma")
    assert vector.nnz > 0
    assert index.query_norms(vector) == pytest.approx([1.0], rel=1e-5)
    assert "cholangiocarcinoma" in index.explain_query(vector, in_one[0].id)


def test_stomach_flu_means_gastroenteritis_not_influenza(index, titles):
    assert index.phrases.rewrite("stomach flu") == "gastroenteritis"
    ranked = top_titles(index, titles, "stomach flu")
    assert ranked[0] == "Gastroenteritis" and "Flu" not in ranked[:2]


def test_high_blood_pressure_prefers_hypertension_to_pulmonary_hypertension(index, titles):
    ranked = top_titles(index, titles, "high blood pressure", k=10)
    assert ranked.index("High Blood Pressure") < ranked.index("Pulmonary Hypertension")
    hits = {titles[n.id]: n.score for n in index.search("high blood pressure", 10)}
    assert hits["High Blood Pressure"] > 2 * hits["Pulmonary Hypertension"]


@pytest.mark.parametrize(
    ("lay", "means"),
    [
        ("pinched nerve", "radiculopathy compressed nerve"),
        ("water pills", "diuretics"),
        ("sugar diabetes", "diabetes"),
        ("mini stroke", "transient ischemic attack"),
        ("bellyache", "abdominal pain"),
        ("glycohemoglobin", "hemoglobin a1c"),
        ("lactation", "breastfeeding"),
        ("stomach flu", "gastroenteritis"),
        ("high blood pressure", "hypertension"),
    ],
)
def test_the_shipped_lexicon_maps_lay_phrases(lay, means):
    assert lay_lexicon().rewrite(lay) == means


def test_lexicon_entries_are_unique_and_name_their_source():
    entries = read_lexicon()
    assert len(entries) >= 300
    assert len({e.lay.lower() for e in entries}) == len(entries)
    assert all(e.lay.strip() and e.clinical.strip() and e.source.strip() for e in entries)


def test_water_pills_and_pinched_nerve_reach_articles_on_what_they_mean(index, titles):
    assert "Blood Pressure Medicines" in top_titles(index, titles, "water pills", k=3)
    assert {"Thoracic Outlet Syndrome", "Peripheral Nerve Disorders", "Carpal Tunnel Syndrome"} & set(
        top_titles(index, titles, "pinched nerve")
    )


def test_site_synonyms_seeded_from_also_called_names(docs, titles):
    index = RelatedIndex().fit(docs)
    assert index.phrases.rewrite("Nursing") == "nursing"
    index.use_synonyms(also_called_pairs([(d.title, d.summary) for d in docs]))
    assert index.phrases.rewrite("Nursing") == "breastfeeding"
    assert index.phrases.rewrite("Cholangiocarcinoma") == "bile duct cancer"
    # a title stays whole even where one of its words is another article's "Also called" name
    assert top_titles(index, titles, "nursing homes")[0] == "Nursing Homes"
    assert top_titles(index, titles, "nursing")[0] == "Breastfeeding"


def test_editor_synonyms_win_over_the_lexicon(docs, titles):
    index = RelatedIndex().fit(docs).use_synonyms([("stomach bug", "Norovirus Infections")])
    assert top_titles(index, titles, "stomach bug")[0] == "Norovirus Infections"
    assert top_titles(RelatedIndex().fit(docs), titles, "stomach bug")[0] == "Gastroenteritis"


def test_article_to_article_similarity_ignores_query_only_columns(docs):
    with_names = RelatedIndex().fit(docs)
    without = RelatedIndex(names_weight=0.0).fit(docs)
    a = [(n.id, round(n.score, 4)) for n in with_names.related(34, 10)]
    b = [(n.id, round(n.score, 4)) for n in without.related(34, 10)]
    assert a == b


def test_digest_interest_vectors_hear_lay_words(index, titles):
    people = [["stomach flu"], ["sciatica", "lactation"], []]
    interests = index.interest_vectors(people)
    ids, scores = index.rank_many(interests.matrix, list(titles), k=2)
    assert titles[int(ids[0][0])] == "Gastroenteritis"
    assert {titles[int(i)] for i in ids[1]} == {"Sciatica", "Breastfeeding"}
    assert scores[2].max() == 0


def test_phrase_maps_match_the_longest_phrase_and_overlay_without_changing_the_base():
    from recommender.phrases import PhraseMap

    base = PhraseMap([("flu", "influenza"), ("stomach flu", "gastroenteritis")])
    assert base.rewrite("Stomach FLU and flu shots") == "gastroenteritis and influenza shots"
    over = base.overlaid([("flu", "grippe"), ("flu shots", "influenza vaccines")])
    assert over.rewrite("stomach flu and flu shots, flu") == "gastroenteritis and influenza vaccines grippe"
    assert base.rewrite("flu shots") == "influenza shots" and base.size == 2 and over.size == 3


def test_a_later_pair_for_the_same_phrase_wins_even_among_many_sharing_its_first_word():
    from recommender.phrases import PhraseMap

    pairs = [(f"heart topic{i}", f"meaning{i}") for i in range(500)]
    pairs += [("heart topic7", "the last word"), ("heart", "cardiac")]
    phrases = PhraseMap(pairs)
    assert phrases.size == 501
    assert phrases.rewrite("heart topic7 and heart") == "the last word and cardiac"
    assert phrases.rewrite("heart topic12") == "meaning12"
