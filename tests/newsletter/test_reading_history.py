"""Reading history: signed per-recipient digest links, click counts, the switch, erasure and the nudge."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from newsletter import reading
from newsletter.digests import history
from newsletter.digests.ledger import SentArticle
from newsletter.models import Subscriber
from newsletter.subscriptions import links_for
from service import db as database
from service.auth import SCOPES, create_api_key
from service.db import utcnow
from service.sites import site_by_slug
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.subscriber_helpers import csrf_token
from tests.newsletter.test_digests import send, smtp_app

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SLUG = "digest-clinic"
LINK = re.compile(r"https://service\.test/newsletter/digest-clinic/read/[A-Za-z0-9_.\-]+")


def api_key(app: Flask) -> dict[str, str]:
    with app.app_context(), database.new_session() as db:
        _, plain = create_api_key(db, site_by_slug(db, SLUG), "tests", SCOPES)
        db.commit()
    return {"Authorization": f"Bearer {plain}"}


def switch(app: Flask, headers: dict[str, str], subscriber_id: int, on: bool) -> dict[str, Any]:
    answer = app.test_client().put(
        f"/api/v1/subscribers/{subscriber_id}/reading-history", json={"reading_history": on}, headers=headers
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def stored_clicks(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return int(db.scalar(select(func.count()).select_from(reading.DigestClick)) or 0)


def test_links_count_clicks_only_while_allowed_and_erasure_deletes_them(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    ids = build_clinic(app, NOW - timedelta(hours=20))
    headers = api_key(app)
    reader = add_subscriber(app, "reader@example.org", ["Back Pain"], NOW)
    other = add_subscriber(app, "other@example.org", ["Back Pain"], NOW)
    assert app.test_client().get(f"/api/v1/subscribers/{reader}/reading-history", headers=headers).get_json() == {
        "subscriber_id": reader,
        "reading_history": False,
        "clicks": 0,
    }
    assert switch(app, headers, reader, True)["reading_history"] is True
    send(app, NOW)

    raw = {tuple(m.rcpt_tos): m.data for m in smtp_sink.messages}
    mine = message_from_bytes(raw[("reader@example.org",)], policy=policy.default)
    text = mine.get_body(("plain",)).get_content()
    links = LINK.findall(text)
    assert links and "medlineplus.gov" not in text  # every article goes through the reader's own link
    theirs = message_from_bytes(raw[("other@example.org",)], policy=policy.default).get_body(("plain",)).get_content()
    assert not LINK.search(theirs) and "https://medlineplus.gov/backpain.html" in theirs  # off: plain links

    client = app.test_client()
    path = links[0].removeprefix("https://service.test")
    followed = client.get(path)
    assert followed.status_code == 302
    assert followed.headers["Location"].startswith("https://medlineplus.gov/")
    client.get(path)  # the same reader again at once: a replay, not counted
    client.get(path, environ_base={"REMOTE_ADDR": "198.51.100.9"})  # on another device
    assert client.get(f"/api/v1/subscribers/{reader}/reading-history", headers=headers).get_json()["clicks"] == 2

    tampered = client.get(path[:-3] + "xyz")
    assert tampered.status_code == 404 and "text/html" in tampered.headers["Content-Type"]
    assert client.get(path.replace(SLUG, "elsewhere")).status_code == 404

    refused = client.put(
        f"/api/v1/subscribers/{reader}/reading-history", json={"reading_history": "yes"}, headers=headers
    )
    assert refused.status_code == 422 and "error" in refused.get_json()

    assert switch(app, headers, reader, False) == {"subscriber_id": reader, "reading_history": False, "clicks": 0}
    assert client.get(path).status_code == 302  # the link still works, and counts nothing
    assert stored_clicks(app) == 0

    switch(app, headers, reader, True)
    client.get(path, environ_base={"REMOTE_ADDR": "198.51.100.10"})  # not a replay of the clicks above
    assert stored_clicks(app) == 1
    assert client.delete(f"/api/v1/subscribers/{reader}", headers=headers).status_code == 204
    assert stored_clicks(app) == 0
    assert ids and other


def test_what_they_read_nudges_the_next_digest_and_says_so(app: Flask) -> None:
    now = utcnow()
    ids = build_clinic(app, now - timedelta(minutes=30))
    headers = api_key(app)
    reader = add_subscriber(app, "reader@example.org", ["Acne"], now)
    switch(app, headers, reader, True)
    with app.app_context(), database.new_session() as db:
        subscriber = db.get(Subscriber, reader)
        assert subscriber is not None
        token = reading.make_token(app.config["SECRET_KEY"], subscriber, ids["Back Pain"])
    assert app.test_client().get(f"/newsletter/{SLUG}/read/{token}").status_code == 302

    preview = app.test_client().get(f"/api/v1/subscribers/{reader}/digest-preview", headers=headers).get_json()
    reasons = {item["title"]: item["reason"] for item in preview["items"]}
    assert reasons.get("Acne") == "Because you follow “Acne”"
    nudged = {title for title, reason in reasons.items() if reason == "Because you read “Back Pain”"}
    assert nudged & {"Back Pain", "Back Injuries", "Sciatica", "Spinal Stenosis"}

    switch(app, headers, reader, False)
    preview = app.test_client().get(f"/api/v1/subscribers/{reader}/digest-preview", headers=headers).get_json()
    assert all("Because you read" not in item["reason"] for item in preview["items"])


def test_the_preferences_page_switch_turns_it_on_and_off_deleting_the_clicks(app: Flask) -> None:
    ids = build_clinic(app, NOW - timedelta(hours=20))
    reader = add_subscriber(app, "reader@example.org", ["Back Pain"], NOW)
    with app.app_context(), database.new_session() as db:
        subscriber = db.get(Subscriber, reader)
        assert subscriber is not None
        page = links_for(subscriber, "http://localhost", app.config["SECRET_KEY"])["preferences_url"]
        token = reading.make_token(app.config["SECRET_KEY"], subscriber, ids["Sciatica"])
    path = page.removeprefix("http://localhost")
    client = app.test_client()
    html = client.get(path).get_data(as_text=True)
    assert 'name="reading_history"' in html and 'name="reading_history" value="1" checked' not in html
    form = {"topics": "Back Pain", "frequency": "daily", "weekday": "0", "hour": "0", "time_zone": "UTC"}
    saved = client.post(path, data={**form, "reading_history": "1", "csrf_token": csrf_token(html)})
    assert saved.status_code == 200 and 'name="reading_history" value="1" checked' in saved.get_data(as_text=True)
    client.get(f"/newsletter/{SLUG}/read/{token}")
    assert stored_clicks(app) == 1
    html = client.get(path).get_data(as_text=True)
    assert client.post(path, data={**form, "csrf_token": csrf_token(html)}).status_code == 200
    assert stored_clicks(app) == 0
    with app.app_context(), database.new_session() as db:
        subscriber = db.get(Subscriber, reader)
        assert subscriber is not None and subscriber.reading_history is False


def test_a_followed_topic_sent_often_and_never_opened_turns_quiet(app: Flask) -> None:
    ids = build_clinic(app, NOW - timedelta(hours=20))
    reader = add_subscriber(app, "reader@example.org", ["Immune System", "Acne"], NOW)
    immune = ["Food Allergy", "Allergy", "Latex Allergy", "Hay Fever"]
    with app.app_context(), database.new_session() as db:
        for title in immune:
            db.add(SentArticle(subscriber_id=reader, article_id=ids[title], sent_at=NOW))
        db.commit()
        subscriber = db.get(Subscriber, reader)
        assert subscriber is not None
        assert history.quiet_topics(db, [subscriber], after=4) == {reader: frozenset({"Immune System"})}
        assert history.quiet_topics(db, [subscriber], after=5) == {reader: frozenset()}
        token = reading.make_token(app.config["SECRET_KEY"], subscriber, ids["Hay Fever"])
    headers = api_key(app)
    switch(app, headers, reader, True)
    app.test_client().get(f"/newsletter/{SLUG}/read/{token}")
    with app.app_context(), database.new_session() as db:
        subscriber = db.get(Subscriber, reader)
        assert subscriber is not None
        assert history.quiet_topics(db, [subscriber], after=4) == {reader: frozenset()}


def test_a_reader_topic_turns_quiet_through_the_labels_it_matches(app: Flask) -> None:
    ids = build_clinic(app, NOW - timedelta(hours=20))
    headers = api_key(app)
    topic = {"name": "Allergies and immunity", "match_terms": ["allergy"], "labels": ["Immune System"]}
    assert app.test_client().post("/api/v1/topics", json=topic, headers=headers).status_code == 201
    reader = add_subscriber(app, "reader@example.org", ["Allergies and immunity", "Acne"], NOW)
    with app.app_context(), database.new_session() as db:
        for title in ["Food Allergy", "Allergy", "Latex Allergy", "Hay Fever"]:
            db.add(SentArticle(subscriber_id=reader, article_id=ids[title], sent_at=NOW))
        db.commit()
        subscriber = db.get(Subscriber, reader)
        assert subscriber is not None and subscriber.topics == ["Allergies and immunity", "Acne"]
        assert history.quiet_topics(db, [subscriber], after=4) == {reader: frozenset({"Allergies and immunity"})}
        token = reading.make_token(app.config["SECRET_KEY"], subscriber, ids["Latex Allergy"])
    switch(app, headers, reader, True)
    app.test_client().get(f"/newsletter/{SLUG}/read/{token}")
    with app.app_context(), database.new_session() as db:
        subscriber = db.get(Subscriber, reader)
        assert subscriber is not None
        assert history.quiet_topics(db, [subscriber], after=4) == {reader: frozenset()}
