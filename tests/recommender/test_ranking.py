from datetime import UTC, datetime, timedelta

import pytest

from recommender.ranking import Candidate, Rules, apply_rules

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
SOURCE = Candidate(1, 1.0, "https://c.example/a", tags=("diabetes",), categories=("Diabetes",), published_at=NOW)


def cand(id, score=0.5, **kw):
    kw.setdefault("published_at", NOW - timedelta(days=id))
    return Candidate(id, score, f"https://c.example/{id}", **kw)


def ids(links):
    return [link.id for link in links]


def rules(**kw):
    return Rules(now=NOW, **kw)


def test_similar_candidates_in_score_order_with_reason_and_why():
    ranked = [cand(3, 0.4), cand(2, 0.8, why=["insulin"])]
    links = apply_rules(SOURCE, ranked, rules(), k=5)
    assert ids(links) == [2, 3]
    assert links[0].reason == "similar" and links[0].why == ["insulin"]
    assert links[0].score == 0.8


def test_k_limits_the_list():
    assert ids(apply_rules(SOURCE, [cand(i, 0.5 - i / 100) for i in range(2, 9)], rules(), k=3)) == [2, 3, 4]


def test_source_itself_is_never_shown():
    assert ids(apply_rules(SOURCE, [cand(1, 0.9), cand(2)], rules(), k=5)) == [2]


def test_near_duplicates_by_url_or_score_are_dropped():
    same_url = Candidate(2, 0.3, SOURCE.canonical_url, published_at=NOW)
    too_close = cand(3, 0.97)
    assert ids(apply_rules(SOURCE, [same_url, too_close, cand(4)], rules(), k=5)) == [4]
    assert ids(apply_rules(SOURCE, [too_close], rules(near_duplicate_threshold=0.99), k=5)) == [3]


def test_only_published_and_same_site():
    ranked = [cand(2, status="draft"), cand(3, site_id=9), cand(4, status="retired"), cand(5)]
    assert ids(apply_rules(SOURCE, ranked, rules(), k=5)) == [5]


def test_pins_come_first_in_editor_order_even_from_the_pool():
    ranked = [cand(2, 0.9), cand(3, 0.8)]
    pool = [cand(7, 0.0), cand(8, 0.0)]
    links = apply_rules(SOURCE, ranked, rules(pins=[8, 3, 7]), k=4, pool=pool)
    assert ids(links) == [8, 3, 7, 2]
    assert [link.reason for link in links] == ["pinned", "pinned", "pinned", "similar"]


def test_pins_still_obey_publication_site_and_blocks():
    pool = [cand(7, status="draft"), cand(8, site_id=2), cand(9), cand(10)]
    links = apply_rules(SOURCE, [], rules(pins=[7, 8, 9, 10, 99], blocks={10}, fallback=False), k=5, pool=pool)
    assert ids(links) == [9]


def test_blocked_articles_never_shown_even_as_fallback():
    links = apply_rules(SOURCE, [cand(2)], rules(blocks={2, 3}), k=3, pool=[cand(2), cand(3), cand(4)])
    assert 2 not in ids(links) and 3 not in ids(links)
    assert ids(links) == [4]


@pytest.mark.parametrize(
    "source_tags, candidate_tags",
    [
        (("diabetes",), ("Weight Loss Surgery",)),  # source has a, candidate has b
        (("weight loss surgery",), ("Diabetes",)),  # and the other way round
    ],
)
def test_never_pair_by_tag_in_both_directions(source_tags, candidate_tags):
    source = Candidate(1, 1.0, tags=source_tags, published_at=NOW)
    rule = rules(never_pair=[("Diabetes", "weight loss surgery")])
    clashing, other = cand(2, tags=candidate_tags), cand(3, tags=("nutrition",))
    assert ids(apply_rules(source, [clashing, other], rule, k=5)) == [3]
    assert ids(apply_rules(source, [], rule, k=5, pool=[clashing, other])) == [3]  # fallbacks too


def test_equal_scores_prefer_the_newer_article():
    older = cand(2, 0.5, published_at=NOW - timedelta(days=30))
    newer = cand(3, 0.5, published_at=NOW - timedelta(days=1))
    undated = cand(4, 0.5, published_at=None)
    assert ids(apply_rules(SOURCE, [undated, older, newer], rules(), k=3)) == [3, 2, 4]


def test_mmr_trades_relevance_for_diversity():
    ranked = [cand(2, 0.9), cand(3, 0.85), cand(4, 0.6)]
    twins = {frozenset({2, 3}): 0.95}

    def similarity(a, b):
        return twins.get(frozenset({a, b}), 0.05)

    assert ids(apply_rules(SOURCE, ranked, rules(), k=2)) == [2, 3]
    assert ids(apply_rules(SOURCE, ranked, rules(mmr_lambda=0.5), k=2, similarity=similarity)) == [2, 4]
    assert ids(apply_rules(SOURCE, ranked, rules(mmr_lambda=1.0), k=2, similarity=similarity)) == [2, 3]


def test_mmr_needs_a_similarity_function():
    with pytest.raises(ValueError, match="similarity"):
        apply_rules(SOURCE, [cand(2)], rules(mmr_lambda=0.7), k=2)


def test_reviewed_within_months():
    fresh = cand(2, medically_reviewed_at=datetime(2025, 10, 1, tzinfo=UTC))
    stale = cand(3, medically_reviewed_at=datetime(2025, 9, 30, tzinfo=UTC))
    never = cand(4)
    rule = rules(reviewed_within_months=6, fallback=False)  # cutoff 2025-09-30 12:00
    assert ids(apply_rules(SOURCE, [fresh, stale, never], rule, k=5)) == [2]
    assert ids(apply_rules(SOURCE, [fresh, stale, never], rules(), k=5)) == [2, 3, 4]


def test_month_arithmetic_clamps_the_day():
    rule = Rules(now=datetime(2026, 3, 31, tzinfo=UTC), reviewed_within_months=1, fallback=False)
    feb_end = cand(2, medically_reviewed_at=datetime(2026, 2, 28, tzinfo=UTC))
    assert ids(apply_rules(SOURCE, [feb_end], rule, k=1)) == [2]


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        apply_rules(SOURCE, [cand(2)], Rules(now=datetime(2026, 1, 1)), k=1)


def test_min_score_then_fallback_same_category_newest_then_newest():
    ranked = [cand(2, 0.6), cand(3, 0.1)]
    pool = [
        cand(10, 0, categories=("Diabetes",), published_at=NOW - timedelta(days=9)),
        cand(11, 0, categories=("diabetes",), published_at=NOW - timedelta(days=2)),
        cand(12, 0, categories=("Heart",), published_at=NOW - timedelta(days=1)),
        cand(13, 0, categories=("Heart",), published_at=NOW - timedelta(days=5)),
    ]
    links = apply_rules(SOURCE, ranked, rules(min_score=0.3), k=5, pool=pool)
    assert ids(links) == [2, 11, 10, 12, 13]
    assert [link.reason for link in links] == [
        "similar",
        "fallback_category",
        "fallback_category",
        "fallback_newest",
        "fallback_newest",
    ]


def test_fallback_off_leaves_the_list_short():
    links = apply_rules(
        SOURCE, [cand(2, 0.1)], rules(min_score=0.3, fallback=False), k=5, pool=[cand(10, categories=("Diabetes",))]
    )
    assert links == []


def test_fallback_respects_eligibility_and_skips_chosen():
    pool = [cand(2), cand(5, status="draft", categories=("Diabetes",)), cand(6, site_id=3)]
    links = apply_rules(SOURCE, [cand(2, 0.8)], rules(), k=5, pool=pool)
    assert ids(links) == [2]
