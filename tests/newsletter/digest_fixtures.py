"""Building a clinic with recent demo articles and confirmed subscribers, for the digest tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from articles import store
from articles.demo import DEMO_TOPICS, topic_to_article
from articles.related import pending, updates
from newsletter.inputs import Preferences, Signup
from newsletter.subscriptions import confirm, request_subscription
from recommender.medlineplus import read_topic_records
from service import db as database
from service.sites import create_site

#: MedlinePlus topics used as the clinic's new articles: back problems, allergies, and others.
TOPIC_TITLES = (
    "Back Pain",
    "Back Injuries",
    "Sciatica",
    "Spinal Stenosis",
    "Food Allergy",
    "Allergy",
    "Latex Allergy",
    "Hay Fever",
    "Celiac Disease",
    "A1C",
    "Anemia",
    "Asthma",
    "Acne",
    "Foot Injuries and Disorders",
    "Burns",
    "Cataract",
    "Chickenpox",
    "Concussion",
    "Dehydration",
    "Dry Mouth",
)


def demo_topics(titles: tuple[str, ...] = TOPIC_TITLES) -> list[dict[str, Any]]:
    wanted = set(titles)
    found = [t for t in read_topic_records(DEMO_TOPICS) if t["title"] in wanted]
    assert len(found) == len(wanted), sorted(wanted - {t["title"] for t in found})
    return found


def build_clinic(app: Flask, published_at: datetime, slug: str = "digest-clinic") -> dict[str, int]:
    """A site whose articles were all published at ``published_at``, its related lists current; returns title →
    article id."""
    with app.app_context(), database.new_session() as db:
        # the articles live on medlineplus.gov: the site's own host, so its digest read links redirect there
        site = create_site(
            db, slug, "Digest Clinic", ["https://medlineplus.gov"], postal_address="1 Main St, Springfield"
        )
        ids = {}
        with updates.deferred(db, site):
            for position, topic in enumerate(demo_topics()):
                data = topic_to_article(topic, position, published_at).model_copy(update={"published_at": published_at})
                ids[topic["title"]] = store.upsert_article(db, site, data).article.id
        db.commit()
        pending.drain_site_fully(db, site)  # the lists and index state of a site whose worker has caught up
        return ids


def add_subscriber(
    app: Flask,
    email: str,
    topics: list[str],
    now: datetime,
    slug: str = "digest-clinic",
    frequency: str = "daily",
    hour: int = 0,
    time_zone: str = "UTC",
    text: str | None = None,
) -> int:
    """A confirmed subscriber (signed up and confirmed a day before ``now``)."""
    with app.app_context(), database.new_session() as db:
        from service.sites import site_by_slug

        site = site_by_slug(db, slug)
        prefs = Preferences(topics=topics, interest_text=text, frequency=frequency, hour=hour, time_zone=time_zone)
        result = request_subscription(db, site, Signup(email=email, preferences=prefs), now - timedelta(days=1))
        confirm(result.subscriber, now - timedelta(days=1))
        db.commit()
        return result.subscriber.id
