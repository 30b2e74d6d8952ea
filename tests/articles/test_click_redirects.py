"""Followed links (widget /r/ and digest read links) redirect only to the site's own hosts, count only GETs,
once per visitor in a short window, and not from retired articles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from articles.widget.clicks import make_token
from articles.widget.replays import ClickReplay
from newsletter import reading
from newsletter.inputs import Preferences, Signup
from newsletter.models import Subscriber
from newsletter.subscriptions import confirm, request_subscription
from service import db as database
from service.db import utcnow
from service.sites import site_by_slug
from tests.articles.test_widget_clicks import set_click_counting
from tests.articles.widget_corpus import load_corpus, post_article, url_of
from tests.conftest import SiteWithKey

PHISH = "https://evil.example/login?next=bank"


@pytest.fixture
def corpus(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> dict[str, int]:
    ids = load_corpus(client, site_a)
    ids["phish"] = post_article(client, site_a, "phish", "Knee pain relief", "Knee pain.", url=PHISH)["id"]
    set_click_counting(app, site_a, True)
    return ids


def _link(app: Flask, site: SiteWithKey, source: int, target: int) -> str:
    return "/r/" + make_token(app.config["SECRET_KEY"], site.site.id, source, target)


def _count(client: FlaskClient, site: SiteWithKey) -> int:
    return int(client.get("/api/v1/clicks", headers=site.headers).get_json()["total"])


def _age_replays(app: Flask, seconds: int) -> None:
    with app.app_context(), database.new_session() as db:
        for row in db.scalars(select(ClickReplay)):
            row.at -= timedelta(seconds=seconds)
        db.commit()


def test_an_article_on_a_foreign_host_gets_a_page_not_a_redirect(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]
) -> None:
    response = client.get(_link(app, site_a, corpus["knee-pain"], corpus["phish"]))
    assert response.status_code == 200 and "Location" not in response.headers
    body = response.get_data(as_text=True)
    assert "evil.example" in body and 'href="https://evil.example/login?next=bank"' in body.replace("&amp;", "&")
    assert 'rel="noopener noreferrer nofollow"' in body
    assert response.headers["Cache-Control"] == "no-store" and "noindex" in response.headers["X-Robots-Tag"]
    own = client.get(_link(app, site_a, corpus["knee-pain"], corpus["sleep"]))
    assert own.status_code == 302 and own.headers["Location"] == url_of("sleep")


def test_head_redirects_without_counting_and_replays_count_once(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]
) -> None:
    link = _link(app, site_a, corpus["knee-pain"], corpus["sleep"])
    head = client.head(link)
    assert head.status_code == 302 and head.headers["Location"] == url_of("sleep")
    assert _count(client, site_a) == 0
    for _ in range(3):  # one reader reloading or a double click
        assert client.get(link).status_code == 302
    assert _count(client, site_a) == 1
    assert client.get(link, environ_base={"REMOTE_ADDR": "198.51.100.4"}).status_code == 302
    assert client.get(link, headers={"User-Agent": "another browser"}).status_code == 302
    assert _count(client, site_a) == 3
    _age_replays(app, 301)  # past the window, the same reader counts again
    assert client.get(link).status_code == 302 and _count(client, site_a) == 4
    with app.app_context(), database.new_session() as db:
        stored = db.scalars(select(ClickReplay.key)).all()
    assert stored and all(len(key) == 64 and "127.0.0.1" not in key for key in stored)


def test_links_from_a_retired_article_lead_on_but_stop_counting(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]
) -> None:
    link = _link(app, site_a, corpus["knee-pain"], corpus["sleep"])
    assert client.delete(f"/api/v1/articles/{corpus['knee-pain']}", headers=site_a.headers).status_code in (200, 204)
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == url_of("sleep")
    assert _count(client, site_a) == 0


def _reader(app: Flask, slug: str) -> int:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        person = request_subscription(db, site, Signup("reader@example.org", Preferences(topics=[])), utcnow())
        assert person.subscriber is not None
        confirm(person.subscriber, utcnow())
        person.subscriber.reading_history = True
        db.commit()
        return person.subscriber.id


def _read_link(app: Flask, subscriber_id: int, article_id: int) -> str:
    with app.app_context(), database.new_session() as db:
        subscriber = db.get(Subscriber, subscriber_id)
        assert subscriber is not None
        return f"/newsletter/clinic-a/read/{reading.make_token(app.config['SECRET_KEY'], subscriber, article_id)}"


def _reads(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return sum(db.scalars(select(reading.DigestClick.count)).all())


def test_digest_read_links_follow_the_same_rules(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]
) -> None:
    reader = _reader(app, site_a.slug)
    phish = client.get(_read_link(app, reader, corpus["phish"]))
    assert phish.status_code == 200 and "Location" not in phish.headers
    assert "evil.example" in phish.get_data(as_text=True)
    link = _read_link(app, reader, corpus["sleep"])
    assert client.head(link).status_code == 302
    reads = _reads(app)
    for _ in range(2):
        answer = client.get(link)
        assert answer.status_code == 302 and answer.headers["Location"] == url_of("sleep")
    assert _reads(app) == reads + 1
