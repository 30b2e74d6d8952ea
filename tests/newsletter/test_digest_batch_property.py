"""The digest run: what each subscriber is sent is what they would get alone (property-based, SQLite and PostgreSQL).

Random batches of subscribers (frequencies, windows since their previous digest, topics, free text,
articles already sent to them) are due in one ``digests send`` run against an SMTP server on loopback;
each one's ledger row and message must hold exactly the digest previewed for them alone beforehand.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from articles import store
from articles.demo import topic_to_article
from articles.related import updates
from newsletter.digests import ledger
from newsletter.digests.run import preview_digest
from newsletter.models import Subscriber
from service import db as database
from service.sites import create_site, site_by_slug
from tests.newsletter.digest_fixtures import add_subscriber, demo_topics
from tests.newsletter.test_digests import send, smtp_app

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SLUG = "batch-clinic"
AGES_HOURS = (2, 20, 30, 24 * 3, 24 * 6, 24 * 9, 24 * 20, 24 * 40)
WORDS = ("back pain", "allergy", "itchy skin, dry mouth", "sciatica", "burns")


def build_clinic(app: Flask) -> tuple[list[int], list[str]]:
    """The demo articles published at spread-out times (ids), and the labels readers can follow."""
    topics = demo_topics()
    with app.app_context(), database.new_session() as db:
        site = create_site(db, SLUG, "Batch Clinic", postal_address="1 Main St, Springfield")
        ids = []
        with updates.deferred(db, site):
            for position, topic in enumerate(topics):
                published = NOW - timedelta(hours=AGES_HOURS[position % len(AGES_HOURS)])
                data = topic_to_article(topic, position, published).model_copy(update={"published_at": published})
                ids.append(store.upsert_article(db, site, data).article.id)
        db.commit()
    labels = sorted({g for t in topics for g in t.get("groups") or []} | {t["title"] for t in topics})
    return ids, labels


def subscribers(ids: list[int], labels: list[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    one = st.fixed_dictionaries(
        {
            "topics": st.lists(st.sampled_from(labels), max_size=3, unique=True),
            "text": st.none() | st.sampled_from(WORDS),
            "frequency": st.sampled_from(["daily", "weekly", "monthly"]),
            "last_digest_hours": st.none() | st.sampled_from([10, 26, 24 * 5, 24 * 15]),
            "sent": st.lists(st.sampled_from(ids), max_size=5, unique=True),
        }
    )
    return st.lists(one, min_size=1, max_size=5)


def site_options() -> st.SearchStrategy[dict[str, Any]]:
    """Short digests, so that the best few of a long window and of a short one differ."""
    return st.fixed_dictionaries(
        {
            "digest_max_items": st.integers(min_value=1, max_value=3),
            "digest_min_score": st.sampled_from([0.01, 0.05]),
            "digest_send_newest_anyway": st.booleans(),
        }
    )


def _prepare(app: Flask, people: list[dict[str, Any]], emails: itertools.count, options: dict[str, Any]) -> list[int]:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, SLUG)
        site.settings = {**(site.settings or {}), **options}
        db.commit()
    made = []
    for person in people:
        address = f"reader{next(emails)}@example.org"
        topics = person["topics"] if person["topics"] or person["text"] else ["Allergy"]
        made.append(add_subscriber(app, address, topics, NOW, SLUG, person["frequency"], text=person["text"]))
    with app.app_context(), database.new_session() as db:
        for subscriber_id, person in zip(made, people, strict=True):
            subscriber = db.get(Subscriber, subscriber_id)
            assert subscriber is not None
            if person["last_digest_hours"] is not None:
                subscriber.last_digest_at = NOW - timedelta(hours=person["last_digest_hours"])
            for article_id in person["sent"]:
                db.add(
                    ledger.SentArticle(
                        subscriber_id=subscriber_id, article_id=article_id, sent_at=NOW - timedelta(days=50)
                    )
                )
        db.commit()
    return made


def _alone(app: Flask, subscriber_ids: list[int]) -> dict[int, tuple[list[int], str | None]]:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, SLUG)
        out = {}
        for subscriber_id in subscriber_ids:
            subscriber = db.get(Subscriber, subscriber_id)
            assert subscriber is not None
            digest = preview_digest(db, site, subscriber, NOW)
            out[subscriber_id] = ([p.article.id for p in digest.picks], digest.skipped)
        return out


def _recorded(app: Flask, subscriber_ids: list[int]) -> dict[int, tuple[list[int], str | None]]:
    with app.app_context(), database.new_session() as db:
        rows = db.scalars(select(ledger.DigestSend).where(ledger.DigestSend.subscriber_id.in_(subscriber_ids))).all()
        assert len(rows) == len(subscriber_ids)
        return {
            r.subscriber_id: (list(r.article_ids or []), None if r.status == ledger.SENT else r.detail) for r in rows
        }


def test_each_subscriber_is_sent_the_digest_they_would_get_alone(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    ids, labels = build_clinic(app)
    emails = itertools.count()

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(subscribers(ids, labels), site_options())
    def check(people: list[dict[str, Any]], options: dict[str, Any]) -> None:
        made = _prepare(app, people, emails, options)
        alone = _alone(app, made)
        before = len(smtp_sink.messages)
        send(app, NOW)
        assert _recorded(app, made) == alone
        delivered = smtp_sink.messages[before:]
        assert len(delivered) == sum(1 for picks, skipped in alone.values() if skipped is None)
        assert all(picks for picks, skipped in alone.values() if skipped is None)

    check()
