"""compose(): a subscriber's digest is the same whatever else is composed in the same batch (property-based)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.demo import DEMO_TOPICS
from newsletter.digests import compose
from recommender.document import Document
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topics

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
WORDS = ["back pain", "sciatica", "allergy", "itchy eyes", "asthma and wheezing", "sleep", "knee", "zzzq"]


@cache
def corpus() -> tuple[RelatedIndex, tuple[Document, ...], tuple[str, ...]]:
    docs = tuple(list(read_topics(DEMO_TOPICS))[:80])
    index = RelatedIndex().fit(docs[:70])  # the last ten are candidates the index does not know
    labels = tuple(sorted({label for d in docs for label in d.tags + d.categories})[:40])
    return index, docs, labels


@st.composite
def candidates(draw: st.DrawFn) -> list[compose.DigestCandidate]:
    _, docs, _ = corpus()
    chosen = draw(st.lists(st.sampled_from(docs), min_size=0, max_size=40, unique_by=lambda d: d.id))
    # hours drawn from a small set so that equal publication times (and equal scores) occur
    hours = st.sampled_from([1, 2, 5, 24, 48, 24 * 8, 24 * 20, 24 * 40])
    return [
        compose.DigestCandidate(
            d.id, d.title, f"https://clinic.example/{d.id}", d.summary, None, NOW - timedelta(hours=draw(hours))
        )
        for d in chosen
    ]


@st.composite
def profiles(draw: st.DrawFn, subscriber_id: int, candidate_ids: list[int]) -> compose.Profile:
    _, docs, labels = corpus()
    topics = tuple(draw(st.lists(st.sampled_from(labels), max_size=3, unique=True)))
    terms = tuple(draw(st.sampled_from([t, t.lower() + " care"])) for t in topics) if draw(st.booleans()) else ()
    ids = st.sampled_from(candidate_ids or [0])
    read_docs = draw(st.lists(st.sampled_from(docs), max_size=3, unique_by=lambda d: d.id))
    return compose.Profile(
        subscriber_id=subscriber_id,
        topics=topics,
        text=draw(
            st.none() | st.sampled_from(WORDS) | st.sampled_from([", ".join(WORDS[:3]), "my lower back hurts a lot"])
        ),
        window_start=NOW - timedelta(hours=draw(st.sampled_from([3, 24, 24 * 7, 24 * 31]))),
        already_sent=frozenset(draw(st.lists(ids, max_size=6))),
        topic_terms=terms,
        read=tuple(compose.ReadArticle(d.id, d.title) for d in read_docs),
        quiet_topics=frozenset(draw(st.lists(st.sampled_from(topics), max_size=1))) if topics else frozenset(),
    )


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[compose.DigestCandidate], list[compose.Profile], compose.Settings]:
    pool = draw(candidates())
    ids = [c.id for c in pool]
    size = draw(st.integers(min_value=1, max_value=8))
    people = [draw(profiles(i, ids)) for i in range(size)]
    config = compose.Settings(
        max_items=draw(st.integers(min_value=1, max_value=6)),
        min_score=draw(st.sampled_from([0.0, 0.02, 0.05, 0.2])),
        newest_anyway=draw(st.booleans()),
        site_name="Clinic",
    )
    return pool, people, config


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_each_digest_in_a_batch_equals_the_digest_composed_alone(
    batch: tuple[list[compose.DigestCandidate], list[compose.Profile], compose.Settings],
) -> None:
    pool, people, config = batch
    index, _, _ = corpus()
    together = compose.compose(index, people, pool, config)
    for person, digest in zip(people, together, strict=True):
        # alone, as a run with only this subscriber due reads them: only the articles of their own window
        own = [c for c in pool if c.published_at >= person.window_start]
        assert digest == compose.compose(index, [person], own, config)[0]
        picked = [p.article for p in digest.picks]
        assert len(picked) <= config.max_items
        assert all(a.published_at >= person.window_start and a.id not in person.already_sent for a in picked)


def test_reasons_quote_the_topic_name_the_words_or_what_was_read() -> None:
    index, docs, _ = corpus()
    pool = [
        compose.DigestCandidate(d.id, d.title, f"https://c.example/{d.id}", d.summary, None, NOW - timedelta(hours=2))
        for d in docs[:70]
    ]
    follower = compose.Profile(1, ("Aches in the back",), None, NOW - timedelta(days=1), topic_terms=("back pain",))
    short = next(d.title for d in docs[:70] if len(d.title.split()) == 1 and index.query_vector(d.title).nnz)
    writer = compose.Profile(2, (), f"{short}, something else entirely", NOW - timedelta(days=1))
    reader = compose.Profile(
        3, (), None, NOW - timedelta(days=1), read=(compose.ReadArticle(pool[0].id, pool[0].title),)
    )
    got = compose.compose(index, [follower, writer, reader], pool, compose.Settings(max_items=3))
    assert got[0].picks and got[0].picks[0].reason == "Because you follow “Aches in the back”"
    assert got[1].picks and got[1].picks[0].reason == f"Because you wrote “{short}”"
    assert got[2].picks and all(p.reason == f"Because you read “{pool[0].title}”" for p in got[2].picks)


def test_a_near_repeat_of_a_better_pick_is_left_out() -> None:
    _, docs, _ = corpus()
    original = docs[0]
    copy = Document(99_999, original.title + " (updated)", original.summary, original.body, original.tags)
    index = RelatedIndex().fit([*docs[:30], copy])
    pool = [
        compose.DigestCandidate(d.id, d.title, f"https://c.example/{d.id}", d.summary, None, NOW - timedelta(hours=1))
        for d in [*docs[:30], copy]
    ]
    profile = compose.Profile(1, (), original.title, NOW - timedelta(days=1))
    picked = [p.article.id for p in compose.compose(index, [profile], pool, compose.Settings(min_score=0.0))[0].picks]
    assert len(picked) == 5
    assert (original.id in picked) != (copy.id in picked)
