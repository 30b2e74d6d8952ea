"""Readers choose reader topics: by name or id, stored as references; legacy label interests keep working;
the digest matches a topic by its terms and quotes the reader's choice; time zone and consent on sign-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from newsletter.models import subscriber_topics
from service import db as database
from tests.conftest import SiteWithKey
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.subscriber_helpers import subscribe, subscriber_row

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def add_topic(client: FlaskClient, site: SiteWithKey, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/topics", json=fields, headers=site.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def join_rows(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return db.scalar(select(func.count()).select_from(subscriber_topics)) or 0


def test_a_reader_chooses_topics_by_name_or_id(mail_app: Flask, mail_client: FlaskClient, clinic: SiteWithKey) -> None:
    nerves = add_topic(mail_client, clinic, name="Nerve and back pain", match_terms=["nerve pain"])
    sleep = add_topic(mail_client, clinic, name="Sleeping well", match_terms=["insomnia"], position=-1)
    response = subscribe(mail_client, topics=["nerve AND back pain", sleep["id"], str(nerves["id"])])
    assert response.status_code == 202, response.get_json()
    row = subscriber_row(mail_app)
    assert row is not None and row.topics == ["Sleeping well", "Nerve and back pain"]
    assert [t.id for t in row.reader_topics] == [sleep["id"], nerves["id"]] and row.labels == []


def test_an_unknown_topic_is_refused_without_listing_the_sites_topics(
    mail_app: Flask, mail_client: FlaskClient, clinic: SiteWithKey
) -> None:
    add_topic(mail_client, clinic, name="Nerve and back pain")
    for topics in (["Head lice"], [99999], [True]):
        response = subscribe(mail_client, topics=topics)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert set(error["fields"]) == {"topics"} and "Nerve" not in str(error)
    assert subscriber_row(mail_app) is None


def test_legacy_label_interests_keep_working_beside_reader_topics(
    mail_app: Flask, mail_client: FlaskClient, clinic: SiteWithKey
) -> None:
    add_topic(mail_client, clinic, name="Nerve and back pain")
    assert subscribe(mail_client, topics=["Pain", "Nerve and back pain"]).status_code == 202
    row = subscriber_row(mail_app)
    assert row is not None and row.topics == ["Nerve and back pain", "Pain"] and row.labels == ["Pain"]
    listed = mail_client.get("/api/v1/subscribers", headers=clinic.headers).get_json()["items"]
    assert listed[0]["topics"] == ["Nerve and back pain", "Pain"]
    subscribe(mail_client, email="sam@example.com", topics=["Sleep"])
    for interest, expected in (("nerve and BACK pain", ["pat@example.com"]), ("Pain", ["pat@example.com"])):
        found = mail_client.get(f"/api/v1/subscribers?interest={interest}", headers=clinic.headers).get_json()
        assert [s["email"] for s in found["items"]] == expected
    found = mail_client.get("/api/v1/subscribers?interest=Sleep", headers=clinic.headers).get_json()
    assert [s["email"] for s in found["items"]] == ["sam@example.com"]


def test_erasing_a_subscriber_or_deleting_a_topic_removes_the_choice(
    mail_app: Flask, mail_client: FlaskClient, clinic: SiteWithKey
) -> None:
    first = add_topic(mail_client, clinic, name="Nerve and back pain")
    add_topic(mail_client, clinic, name="Sleeping well")
    subscribe(mail_client, topics=["Nerve and back pain", "Sleeping well"])
    subscribe(mail_client, email="sam@example.com", topics=["Nerve and back pain"])
    assert join_rows(mail_app) == 3
    assert mail_client.delete(f"/api/v1/topics/{first['id']}", headers=clinic.headers).status_code == 204
    assert join_rows(mail_app) == 1
    row = subscriber_row(mail_app)
    assert row is not None and row.topics == ["Sleeping well"]
    assert mail_client.delete(f"/api/v1/subscribers/{row.id}", headers=clinic.headers).status_code == 204
    assert join_rows(mail_app) == 0


def test_time_zone_falls_back_to_the_sites_default_and_consent_wording_is_stored(
    mail_app: Flask, mail_client: FlaskClient, clinic: SiteWithKey
) -> None:
    with mail_app.app_context(), database.new_session() as db:
        from service.sites import site_by_slug

        site = site_by_slug(db, clinic.slug)
        site.settings = {**site.settings, "default_time_zone": "America/Chicago"}
        db.commit()
    page = mail_client.get(f"/newsletter/{clinic.slug}").get_data(as_text=True)
    form = {"email": "pat@example.com", "topics": "Pain", "frequency": "weekly", "weekday": "2", "hour": "7"}
    headers = {"Accept": "text/html"}
    for zone, expected in (("", "America/Chicago"), ("Mars/Olympus", "America/Chicago"), ("Asia/Tokyo", "Asia/Tokyo")):
        email = f"tz{len(zone)}@example.com"
        response = mail_client.post(
            f"/api/v1/sites/{clinic.slug}/subscribe", data={**form, "email": email, "time_zone": zone}, headers=headers
        )
        assert response.status_code == 202
        row = subscriber_row(mail_app, email)
        assert row is not None and (row.time_zone, row.weekday, row.hour) == (expected, 2, 7)
        assert row.consent_text and row.consent_text in page
        listed = mail_client.get("/api/v1/subscribers", headers=clinic.headers).get_json()["items"]
        assert {s["consent"]["text"] for s in listed} == {row.consent_text}
    strict = subscribe(mail_client, email="api@example.com", time_zone="Mars/Olympus")
    assert strict.status_code == 422 and set(strict.get_json()["error"]["fields"]) == {"time_zone"}


def test_a_digest_matches_a_topic_by_its_terms_and_quotes_the_readers_choice(
    app: Flask, client: FlaskClient, smtp_sink: Any
) -> None:
    app.config.update(
        MAIL_BACKEND="smtp",
        SMTP_HOST=smtp_sink.host,
        SMTP_PORT=smtp_sink.port,
        SMTP_SECURITY="none",
        PUBLIC_BASE_URL="https://service.test",
    )
    build_clinic(app, NOW - timedelta(hours=20))
    with app.app_context(), database.new_session() as db:
        from newsletter.reader_topics import parse_topic, save_topic
        from service.sites import site_by_slug

        site = site_by_slug(db, "digest-clinic")
        save_topic(db, site, parse_topic({"name": "Aching back", "match_terms": ["sciatica", "spinal stenosis"]}))
        db.commit()
    add_subscriber(app, "back@example.org", ["Aching back"], NOW)
    result = app.test_cli_runner().invoke(args=["digests", "send", "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    [received] = smtp_sink.messages
    text = received.message.get_body(("plain",)).get_content()
    assert "Sciatica" in text and "Spinal Stenosis" in text and "Food Allergy" not in text
    assert "Because you follow “Aching back”" in text
