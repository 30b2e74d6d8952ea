"""The sign-up and preferences pages with the demo clinic loaded: plain-word topics, the reader's own choices
first, under 30 KB of HTML, search suggestions, and how much of the catalogue the demo topics reach."""

from __future__ import annotations

import html as markup
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from articles.models import Article
from articles.related import index_cache
from newsletter.models import Subscriber
from newsletter.reader_topics import site_reader_topics
from newsletter.subscriptions import token_for
from service import db as database
from service.sites import site_by_slug
from tests.conftest import make_test_app
from tests.newsletter.demo_clinic import copy_of

MAX_PAGE_BYTES = 30 * 1024


@pytest.fixture
def demo_app(demo_database: Path, tmp_path: Path) -> Iterator[Flask]:
    app = make_test_app(copy_of(demo_database, tmp_path), tmp_path / "var", PUBLIC_BASE_URL="https://service.test")
    yield app
    app.extensions["db_engine"].dispose()


def checkbox_names(html: str) -> list[str]:
    return [markup.unescape(name) for name in re.findall(r'name="topics" value="([^"]+)"', html)]


def checked_names(html: str) -> list[str]:
    return [markup.unescape(name) for name in re.findall(r'name="topics" value="([^"]+)" checked', html)]


def set_settings(app: Flask, **settings: str) -> None:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "demo")
        site.settings = {**site.settings, **settings}
        db.commit()


def test_the_sign_up_page_offers_plain_topics_and_asks_what_it_needs(demo_app: Flask) -> None:
    set_settings(demo_app, privacy_url="https://clinic.example/privacy", default_time_zone="America/Chicago")
    response = demo_app.test_client().get("/newsletter/demo")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(response.data) <= MAX_PAGE_BYTES, len(response.data)
    print(f"sign-up page: {len(response.data)} bytes of HTML")
    names = checkbox_names(html)
    assert 20 <= len(names) <= 30 and "Back and neck pain" in names
    assert "Abnormalities, Drug-Induced" not in html  # no catalogue headings
    for field in ('name="frequency"', 'name="weekday"', 'name="hour"', 'name="time_zone"', 'name="interest_text"'):
        assert field in html, field
    assert 'href="https://clinic.example/privacy"' in html and "By subscribing you agree" in html
    assert "America/Chicago" in html and "/newsletter/static/signup.js" in html
    with demo_app.test_client().get("/newsletter/static/signup.js") as script:
        assert script.status_code == 200 and b"resolvedOptions().timeZone" in script.data


def test_the_preferences_page_shows_the_readers_choices_first(demo_app: Flask) -> None:
    client = demo_app.test_client()
    form = {"email": "pat@example.com", "topics": ["Sleep", "Back and neck pain"], "time_zone": "Europe/Paris"}
    assert client.post("/api/v1/sites/demo/subscribe", data=form).status_code == 202
    with demo_app.app_context(), database.new_session() as db:
        subscriber = db.scalar(select(Subscriber))
        assert subscriber is not None
        path = f"/newsletter/demo/preferences/{token_for(subscriber, 'preferences', 'test-secret')}"
        order = [t.name for t in site_reader_topics(db, site_by_slug(db, "demo"))]
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(response.data) <= MAX_PAGE_BYTES, len(response.data)
    print(f"preferences page: {len(response.data)} bytes of HTML")
    chosen = [name for name in order if name in ("Sleep", "Back and neck pain")]
    assert checkbox_names(html)[:2] == chosen and checked_names(html) == chosen
    assert sorted(checkbox_names(html)) == sorted(order)  # each topic once
    assert 'value="Europe/Paris"' in html


def test_suggestions_offer_topics_then_titles_at_most_ten(demo_app: Flask) -> None:
    client: FlaskClient = demo_app.test_client()
    items = client.get("/newsletter/demo/suggest?q=Back").get_json()["items"]
    assert items[0] == {"kind": "topic", "label": "Back and neck pain", "id": items[0]["id"]}
    assert {"kind": "article", "label": "Back Pain"} in [{"kind": i["kind"], "label": i["label"]} for i in items]
    many = client.get("/newsletter/demo/suggest?q=an")
    assert 1 <= len(many.get_json()["items"]) <= 10 and "public" in many.headers["Cache-Control"]
    assert client.get("/newsletter/demo/suggest?q=a").get_json()["items"] == []
    assert client.get("/newsletter/demo/suggest?q=%25%25").get_json()["items"] == []  # LIKE wildcards are text
    assert client.get("/newsletter/nowhere/suggest?q=back").status_code == 404


def test_suggestions_hear_lay_words_and_the_sites_synonyms(demo_app: Flask) -> None:
    client: FlaskClient = demo_app.test_client()

    def labels(q: str) -> list[str]:
        return [item["label"] for item in client.get("/newsletter/demo/suggest", query_string={"q": q}).json["items"]]

    assert "Gastroenteritis" in labels("stomach flu")  # the lay lexicon
    assert "Abdominal Pain" in labels("Bellyache")
    assert "Transient Ischemic Attack" in labels("mini stroke")
    assert "Bile Duct Cancer" in labels("cholangiocarcinoma")  # a synonym seeded from an "Also called" name
    assert labels("back pain")[:2] == ["Back and neck pain", "Back Pain"]  # what was typed still comes first
    assert labels("bellyac") == []  # a word being typed is not a phrase yet


def test_the_demo_topics_reach_most_of_the_catalogue(demo_app: Flask) -> None:
    """Share of the demo articles scoring at least the digest minimum (0.05) against some reader topic."""
    with demo_app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "demo")
        index = index_cache.read_index(db, site)
        assert index is not None
        ids = list(db.scalars(select(Article.id).where(Article.site_id == site.id)))
        topics = site_reader_topics(db, site)
        scores = (index.interest_vectors([[t.query_text()] for t in topics]).matrix @ index.vectors(ids).T).toarray()
    reached = (scores >= 0.05).any(axis=0).mean()
    print(f"demo reader topics: {len(topics)}; articles reached at score >= 0.05: {reached:.3f} of {len(ids)}")
    assert reached >= 0.8
    assert (scores >= 0.05).sum(axis=1).min() >= 10  # every topic finds articles of its own
