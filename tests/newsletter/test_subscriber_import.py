"""Subscriber import over HTTP: dry run, consent, confirmations, duplicates, suppressions, queued large files."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from newsletter.delivery_api import signature_for
from newsletter.import_models import SubscriberImport
from newsletter.models import Subscriber, Suppression
from service import db as database
from service.db import utcnow
from tests.conftest import SiteWithKey

IMPORTS = "/api/v1/subscribers/imports"

LIST = """Email Address,Status,Consent Date,Consent Source,Topics,MEMBER_RATING
ana@example.com,subscribed,2024-03-01,Waiting-room tablet,Back pain;Sleep,5
ben@example.com,subscribed,,Newsletter form,,3
cy@example.com,pending,2024-03-02T10:00:00Z,,Back pain,2
ANA@example.com,subscribed,2024-03-05,,,
dee@example.com,unsubscribed,2023-01-01,,,1
not an address,subscribed,2024-03-01,,,
eve@example.com,subscribed,yesterday,,,
fay@example.com,subscribed,2024-03-01,,Astrology,
gus@example.com,subscribed,2024-03-01,,,
hal@example.com,cleaned,,,,
"""


def post_csv(client: FlaskClient, site: SiteWithKey, text: str, dry_run: bool = False, **kwargs: Any) -> Any:
    query = "?dry_run=true" if dry_run else ""
    return client.post(
        IMPORTS + query, data=text.encode(), content_type=kwargs.pop("content_type", "text/csv"), headers=site.headers
    )


def topics(client: FlaskClient, site: SiteWithKey, *names: str) -> None:
    for name in names:
        assert client.post("/api/v1/topics", json={"name": name}, headers=site.headers).status_code == 201


def state(app: Flask) -> tuple[dict[str, tuple[str, list[str], str]], set[str]]:
    """email -> (status, topics, consent source), and the suppression reasons."""
    with app.app_context():
        with database.new_session() as db:
            subscribers = {s.email: (s.status, s.topics, s.consent_source) for s in db.scalars(select(Subscriber))}
            reasons = {s.reason for s in db.scalars(select(Suppression))}
    return subscribers, reasons


def test_a_dry_run_reports_every_outcome_and_writes_nothing(
    mail_app: Flask, mail_client: FlaskClient, clinic: SiteWithKey
) -> None:
    topics(mail_client, clinic, "Back pain", "Sleep")
    before = state(mail_app)
    response = post_csv(mail_client, clinic, LIST, dry_run=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "done" and body["dry_run"] is True and body["rows_total"] == 10
    assert body["report"]["counts"] == {
        "rows": 10,
        "confirmed": 2,  # ana, gus: subscribed with a consent date
        "pending": 2,  # ben (no consent date), cy (pending)
        "ok": 4,
        "opted_out": 2,  # dee, hal
        "existing": 0,
        "duplicates": 1,  # ANA@ is ana@
        "suppressed": 0,
        "invalid": 3,
    }
    invalid = {row["row"]: set(row["reasons"]) for row in body["report"]["invalid_rows"]}
    assert invalid == {7: {"email"}, 8: {"consent_date"}, 9: {"topics"}}
    assert body["report"]["ignored_columns"] == ["MEMBER_RATING"]
    assert state(mail_app) == before


def test_an_import_confirms_only_stated_consent_and_sends_the_others_a_confirmation(
    mail_app: Flask, mail_client: FlaskClient, clinic: SiteWithKey, smtp_sink: Any
) -> None:
    topics(mail_client, clinic, "Back pain", "Sleep")
    response = post_csv(mail_client, clinic, LIST)
    assert response.status_code == 200
    assert response.get_json()["report"]["counts"]["ok"] == 4
    subscribers, reasons = state(mail_app)
    assert subscribers == {
        "ana@example.com": ("confirmed", ["Back pain", "Sleep"], "import: Waiting-room tablet"),
        "gus@example.com": ("confirmed", [], "import"),
        "ben@example.com": ("pending", [], "import: Newsletter form"),
        "cy@example.com": ("pending", ["Back pain"], "import"),
    }
    assert reasons == {"import"}  # dee and hal are suppressed: never mailed
    assert smtp_sink.messages == []  # nothing is sent in the request
    run = mail_app.test_cli_runner().invoke(args=["jobs", "run-once", "send_due_digests"])
    assert run.exit_code == 0, run.output
    confirmations = sorted(to for m in smtp_sink.messages for to in m.rcpt_tos)
    assert confirmations == ["ben@example.com", "cy@example.com"]
    assert all("/confirm/" in m.message.get_body(("plain",)).get_content() for m in smtp_sink.messages)
    with mail_app.app_context():
        with database.new_session() as db:
            ana = db.scalar(select(Subscriber).where(Subscriber.email == "ana@example.com"))
            assert ana is not None and ana.confirmed_at is not None
            assert ana.confirmed_at.date().isoformat() == "2024-03-01" and ana.consent_at == ana.confirmed_at


def test_existing_subscribers_and_suppressed_addresses_are_left_alone(
    mail_app: Flask, mail_client: FlaskClient, clinic: SiteWithKey, smtp_sink: Any
) -> None:
    signed_up = mail_client.post("/api/v1/sites/clinic-a/subscribe", json={"email": "ana@example.com", "topics": []})
    assert signed_up.status_code == 202
    suppressed = mail_client.post("/api/v1/suppressions", json={"email": "gus@example.com"}, headers=clinic.headers)
    assert suppressed.status_code == 201
    text = "email,status,consent_date\nana@example.com,subscribed,2024-01-01\ngus@example.com,subscribed,2024-01-01\n"
    counts = post_csv(mail_client, clinic, text).get_json()["report"]["counts"]
    assert (counts["existing"], counts["suppressed"], counts["ok"]) == (1, 1, 0)
    subscribers, _ = state(mail_app)
    assert subscribers["ana@example.com"][0] == "pending" and "gus@example.com" not in subscribers
    # an opt-out in the file stops mail to an address already here
    post_csv(mail_client, clinic, "email,status\nana@example.com,unsubscribed\n")
    assert state(mail_app)[0]["ana@example.com"][0] == "unsubscribed"


def test_a_bad_file_is_refused_with_a_clear_error_and_changes_nothing(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    before = state(app)
    cases = [
        ("", "text/csv", 422, "invalid_file"),
        ("name,phone\nAna,123\n", "text/csv", 422, "invalid_file"),
        ("email\nana@example.com\n", "application/json", 415, "not_csv"),
    ]
    for text, content_type, status, code in cases:
        response = post_csv(client, site_a, text, content_type=content_type)
        assert response.status_code == status, text
        assert response.get_json()["error"]["code"] == code
    latin1 = client.post(
        IMPORTS, data="email\ncafé@example.com\n".encode("latin-1"), content_type="text/csv", headers=site_a.headers
    )
    assert latin1.status_code == 422
    assert state(app) == before
    assert client.post(IMPORTS, data=b"email\n", content_type="text/csv").status_code == 401


def test_a_large_file_is_queued_and_the_job_imports_it_with_progress(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey
) -> None:
    rows = "".join(f"reader{n}@example.com,subscribed,2024-02-01\n" for n in range(2500))
    response = post_csv(client, site_a, "email,status,consent_date\n" + rows)
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued" and body["rows_total"] == 2500 and body["rows_done"] == 0
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/subscribers/imports/{body['id']}")
    assert client.get(location, headers=site_b.headers).status_code == 404  # another site's import
    assert state(app)[0] == {}  # nothing imported in the request
    run = app.test_cli_runner().invoke(args=["jobs", "run-once", "import_subscribers"])
    assert run.exit_code == 0, run.output
    done = client.get(location, headers=site_a.headers).get_json()
    assert done["status"] == "done" and done["rows_done"] == 2500
    assert done["report"]["counts"]["confirmed"] == 2500
    subscribers, _ = state(app)
    assert len(subscribers) == 2500 and {s[0] for s in subscribers.values()} == {"confirmed"}
    again = app.test_cli_runner().invoke(args=["jobs", "run-once", "import_subscribers"])
    assert again.exit_code == 0 and len(state(app)[0]) == 2500


def test_an_imported_address_can_be_bounced_by_the_webhook(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    post_csv(client, site_a, "email,consent_date\nana@example.com,2024-01-01\n")
    app.config["DELIVERY_WEBHOOK_SECRET"] = "s"
    body = json.dumps({"events": [{"type": "bounce", "email": "ana@example.com"}]}).encode()
    ts = str(int(time.time()))
    response = client.post(
        "/api/v1/webhooks/delivery-events",
        data=body,
        content_type="application/json",
        headers={"X-Clinic-Reads-Timestamp": ts, "X-Clinic-Reads-Signature": signature_for("s", ts, body)},
    )
    assert response.status_code == 200
    assert state(app)[0]["ana@example.com"][0] == "bounced"


def test_the_job_takes_over_an_import_whose_run_went_silent_but_not_a_live_one(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    rows = "".join(f"reader{n}@example.com,2024-02-01\n" for n in range(1200))
    location = post_csv(client, site_a, "email,consent_date\n" + rows).headers["Location"]
    import_id = int(location.rsplit("/", 1)[1])

    def mark_running(minutes_ago: int) -> None:
        with app.app_context(), database.new_session() as db:
            record = db.get(SubscriberImport, import_id)
            assert record is not None
            record.status, record.updated_at = "running", utcnow() - timedelta(minutes=minutes_ago)
            db.commit()

    mark_running(1)  # another run is working on it
    app.test_cli_runner().invoke(args=["jobs", "run-once", "import_subscribers"])
    assert client.get(location, headers=site_a.headers).get_json()["status"] == "running"
    assert state(app)[0] == {}
    mark_running(11)  # its process died
    app.test_cli_runner().invoke(args=["jobs", "run-once", "import_subscribers"])
    done = client.get(location, headers=site_a.headers).get_json()
    assert done["status"] == "done" and done["rows_done"] == 1200 and len(state(app)[0]) == 1200
