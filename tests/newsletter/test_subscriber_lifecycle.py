"""The subscriber lifecycle through HTTP, with mail over a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.newsletter.subscriber_helpers import (
    ACCEPTED,
    BASE,
    csrf_token,
    link,
    plain,
    subscribe,
    subscriber_row,
)


def _confirmed_subscriber(mail_app: Any, mail_client: Any, smtp_sink: Any) -> str:
    """Sign up and confirm pat@example.com; returns the text of the confirmation email."""
    assert subscribe(mail_client).status_code == 202
    text = plain(smtp_sink.messages[-1])
    assert mail_client.post(link(text, "confirm")).status_code == 200
    assert subscriber_row(mail_app).status == "confirmed"
    return text


def test_confirmation_email_is_multipart_with_working_unsubscribe_headers(mail_app, mail_client, clinic, smtp_sink):
    response = subscribe(mail_client)
    assert response.status_code == 202
    assert response.get_json() == ACCEPTED
    [received] = smtp_sink.messages
    assert received.rcpt_tos == ["pat@example.com"]
    assert received.mail_from == "news@clinic-a.example.org"
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Please confirm your subscription to Clinic-A"
    assert "Pain" not in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header_url = message["List-Unsubscribe"].strip("<>")
    assert header_url.startswith(f"{BASE}/newsletter/clinic-a/unsubscribe/") and header_url.endswith("/one-click")
    assert "1 Harbour Road" in plain(received)
    assert "/confirm/" in message.get_body(("html",)).get_content()

    # the header's URL works: an RFC 8058 POST, no cookie or CSRF token, unsubscribes at once
    fresh = mail_app.test_client()
    answer = fresh.post(urlsplit(header_url).path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "You are unsubscribed" in answer.get_data(as_text=True)
    assert subscriber_row(mail_app).status == "unsubscribed"


def test_whole_lifecycle(mail_app, mail_client, clinic, smtp_sink):
    assert subscribe(mail_client, time_zone="Europe/London").status_code == 202
    text = plain(smtp_sink.messages[0])
    row = subscriber_row(mail_app)
    assert (row.status, row.topics, row.time_zone, row.consent_source) == ("pending", ["Pain"], "Europe/London", "form")
    assert row.consent_ip is None  # the site does not store IPs unless it says so

    confirm_path = link(text, "confirm")
    page = mail_client.get(confirm_path)
    assert page.status_code == 200 and "Yes, confirm my subscription" in page.get_data(as_text=True)
    assert subscriber_row(mail_app).status == "pending"  # GET alone changes nothing
    done = mail_client.post(confirm_path)
    assert done.status_code == 200 and "you are subscribed" in done.get_data(as_text=True)
    assert subscriber_row(mail_app).confirmed_at is not None

    prefs_path = link(text, "preferences")
    form = mail_client.get(prefs_path)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and 'value="Pain" checked' in html
    changed = mail_client.post(
        prefs_path,
        data={
            "csrf_token": csrf_token(html),
            "topics": ["Sleep", "insomnia"],
            "interest_text": "gentle yoga",
            "frequency": "monthly",
            "weekday": "4",
            "hour": "18",
            "time_zone": "America/New_York",
            "paused": "1",
        },
    )
    assert changed.status_code == 200 and "Your preferences are saved" in changed.get_data(as_text=True)
    row = subscriber_row(mail_app)
    assert (row.topics, row.interest_text, row.frequency, row.weekday, row.hour, row.time_zone, row.paused) == (
        ["insomnia", "Sleep"],
        "gentle yoga",
        "monthly",
        4,
        18,
        "America/New_York",
        True,
    )

    resumed = mail_client.post(
        prefs_path,
        data={"csrf_token": csrf_token(html), "topics": ["Sleep"], "frequency": "weekly", "time_zone": "UTC"},
    )
    assert resumed.status_code == 200 and subscriber_row(mail_app).paused is False

    one_click = link(text, "unsubscribe")
    assert mail_client.get(one_click).status_code == 200  # a person opening it sees a button
    assert subscriber_row(mail_app).status == "confirmed"
    assert mail_client.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    row = subscriber_row(mail_app)
    assert row.status == "unsubscribed" and row.unsubscribed_at is not None
    # the confirmation and the welcome; no mail about unsubscribing
    assert [m.message["Subject"] for m in smtp_sink.messages] == [
        "Please confirm your subscription to Clinic-A",
        "Welcome to reading from Clinic-A",
    ]
    assert mail_client.get(prefs_path).status_code == 200  # shows "not subscribed", no form
    assert "csrf_token" not in mail_client.get(prefs_path).get_data(as_text=True)

    # unsubscribed people may sign up again: a new confirmation, pending again
    assert subscribe(mail_client).status_code == 202
    assert len(smtp_sink.messages) == 3
    assert subscriber_row(mail_app).status == "pending"


def test_preferences_form_needs_csrf_token_and_validates(mail_app, mail_client, clinic, smtp_sink):
    text = _confirmed_subscriber(mail_app, mail_client, smtp_sink)
    prefs_path = link(text, "preferences")
    html = mail_client.get(prefs_path).get_data(as_text=True)
    refused = mail_app.test_client().post(prefs_path, data={"frequency": "daily"})
    assert refused.status_code == 400
    bad = mail_client.post(
        prefs_path,
        data={
            "csrf_token": csrf_token(html),
            "frequency": "hourly",
            "time_zone": "Mars/Olympus",
            "topics": ["Astrology"],
        },
    )
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Time zone" in body and "How often" in body and "Topics" in body
    row = subscriber_row(mail_app)
    assert (row.frequency, row.time_zone, row.topics) == ("weekly", "UTC", ["Pain"])


def test_same_answer_for_new_pending_and_confirmed_addresses(mail_app, mail_client, clinic, smtp_sink):
    first = subscribe(mail_client)
    again = subscribe(mail_client)  # pending, within the resend interval: no second email
    assert len(smtp_sink.messages) == 1
    mail_client.post(link(plain(smtp_sink.messages[0]), "confirm"))
    confirmed = subscribe(mail_client)  # confirmed: no email at all
    unknown = subscribe(mail_client, email="someone.else@example.com")
    answers = [(r.status_code, r.get_data()) for r in (first, again, confirmed, unknown)]
    assert len(set(answers)) == 1 and answers[0][0] == 202
    # the confirmation, the welcome after confirming, the other address's confirmation
    assert [m.rcpt_tos for m in smtp_sink.messages] == [
        ["pat@example.com"],
        ["pat@example.com"],
        ["someone.else@example.com"],
    ]
    assert subscriber_row(mail_app).status == "confirmed"


def test_pending_confirmation_is_resent_after_the_interval(mail_app, mail_client, clinic, smtp_sink):
    subscribe(mail_client)
    mail_app.config["CONFIRM_RESEND_INTERVAL_S"] = 0
    subscribe(mail_client, topics=["Sleep"])
    assert len(smtp_sink.messages) == 2
    assert subscriber_row(mail_app).topics == ["Sleep"]


def test_suppressed_address_is_refused_silently(mail_app, mail_client, clinic, smtp_sink):
    _confirmed_subscriber(mail_app, mail_client, smtp_sink)
    response = mail_client.post("/api/v1/suppressions", json={"email": "  Pat@Example.COM "}, headers=clinic.headers)
    assert response.status_code == 201
    assert subscriber_row(mail_app) is None  # the record is gone; only a hash is kept
    again = subscribe(mail_client)
    assert (again.status_code, again.get_json()) == (202, ACCEPTED)
    assert len(smtp_sink.messages) == 2 and subscriber_row(mail_app) is None  # the confirmation and welcome
    repeat = mail_client.post("/api/v1/suppressions", json={"email": "pat@example.com"}, headers=clinic.headers)
    assert repeat.status_code == 200


def test_form_encoded_sign_up_from_a_browser_gets_a_page(mail_app, mail_client, clinic, smtp_sink):
    response = mail_client.post(
        "/api/v1/sites/clinic-a/subscribe",
        headers={"Accept": "text/html"},
        data={"email": "sam@example.org", "topics": ["Pain", "insomnia"], "source": "footer-form"},
    )
    assert response.status_code == 202
    assert "Check your inbox" in response.get_data(as_text=True)
    row = subscriber_row(mail_app, "sam@example.org")
    assert (row.topics, row.consent_source) == (["insomnia", "Pain"], "footer-form")
    bad = mail_client.post(
        "/api/v1/sites/clinic-a/subscribe", headers={"Accept": "text/html"}, data={"email": "not-an-address"}
    )
    assert bad.status_code == 422 and "Email address" in bad.get_data(as_text=True)
    plain_form = mail_client.post("/api/v1/sites/clinic-a/subscribe", data={"email": "kim@example.org"})
    assert (plain_form.status_code, plain_form.get_json()) == (202, ACCEPTED)
