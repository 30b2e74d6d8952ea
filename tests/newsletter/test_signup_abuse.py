"""Sign-up abuse limits: per client address, per site and per email address (database counters shared by every
worker), the honeypot field and the optional captcha hook. Mail is counted on a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from newsletter.models import Subscriber
from service import db as database
from tests.conftest import make_test_app
from tests.newsletter import captcha_check
from tests.newsletter.subscriber_helpers import BASE, make_clinic


@pytest.fixture
def limited_app(database_url: str, tmp_path: Path, smtp_sink: Any, request: pytest.FixtureRequest) -> Iterator[Flask]:
    limits = getattr(request, "param", {})
    app = make_test_app(database_url, tmp_path / "var", PUBLIC_BASE_URL=BASE, **smtp_sink.app_settings(), **limits)
    make_clinic(app)
    yield app
    app.extensions["db_engine"].dispose()


def _signup(client: Any, email: str, client_address: str = "203.0.113.7", **extra: Any) -> Any:
    body = {"email": email, "topics": ["Pain"], "frequency": "weekly", **extra}
    return client.post("/api/v1/sites/clinic-a/subscribe", json=body, environ_base={"REMOTE_ADDR": client_address})


def _subscriber_count(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return int(db.scalar(select(func.count()).select_from(Subscriber)) or 0)


@pytest.mark.parametrize("limited_app", [{"SIGNUP_LIMIT_PER_CLIENT": 5}], indirect=True)
def test_twenty_signups_from_one_address_send_at_most_the_client_limit(limited_app: Flask, smtp_sink: Any) -> None:
    client = limited_app.test_client()
    statuses = [_signup(client, f"person{i}@example.com").status_code for i in range(20)]
    assert statuses == [202] * 5 + [429] * 15
    refused = _signup(client, "one-more@example.com")
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) == 3600
    assert len(smtp_sink.messages) == 5
    assert _subscriber_count(limited_app) == 5
    # another client address is not held back by this one
    assert _signup(client, "neighbour@example.com", client_address="198.51.100.9").status_code == 202


@pytest.mark.parametrize("limited_app", [{"SIGNUP_LIMIT_PER_CLIENT": 3}], indirect=True)
def test_the_client_limit_holds_across_workers(limited_app: Flask, tmp_path: Path, smtp_sink: Any) -> None:
    """Two apps on one database (two gunicorn workers) share the counters."""
    url = limited_app.config["DATABASE_URL"]
    other = make_test_app(
        url,
        tmp_path / "var2",
        PUBLIC_BASE_URL=BASE,
        **smtp_sink.app_settings(),
        SIGNUP_LIMIT_PER_CLIENT=3,
        SECRET_KEY=limited_app.config["SECRET_KEY"],
    )
    try:
        clients = [limited_app.test_client(), other.test_client()]
        statuses = [_signup(clients[i % 2], f"w{i}@example.com").status_code for i in range(8)]
    finally:
        other.extensions["db_engine"].dispose()
    assert statuses.count(202) == 3 and statuses.count(429) == 5
    assert len(smtp_sink.messages) == 3


@pytest.mark.parametrize("limited_app", [{"SIGNUP_LIMIT_PER_SITE": 4}], indirect=True)
def test_the_site_limit_counts_every_client(limited_app: Flask, smtp_sink: Any) -> None:
    client = limited_app.test_client()
    statuses = [_signup(client, f"p{i}@example.com", client_address=f"192.0.2.{i + 1}").status_code for i in range(6)]
    assert statuses == [202] * 4 + [429] * 2
    assert len(smtp_sink.messages) == 4


@pytest.mark.parametrize("limited_app", [{"SIGNUP_LIMIT_PER_EMAIL": 2, "CONFIRM_RESEND_INTERVAL_S": 0}], indirect=True)
def test_one_email_address_gets_at_most_its_limit_of_confirmations(limited_app: Flask, smtp_sink: Any) -> None:
    """Re-sends to one address (from many clients) stop at the limit, with the same answer as ever."""
    client = limited_app.test_client()
    answers = [_signup(client, "pat@example.com", client_address=f"192.0.2.{i + 1}") for i in range(6)]
    assert {a.status_code for a in answers} == {202}
    assert len({a.get_data() for a in answers}) == 1
    assert len(smtp_sink.messages) == 2
    assert {m.rcpt_tos[0] for m in smtp_sink.messages} == {"pat@example.com"}


def test_a_filled_honeypot_is_answered_as_usual_and_recorded_nowhere(limited_app: Flask, smtp_sink: Any) -> None:
    client = limited_app.test_client()
    fragment = client.get("/newsletter/clinic-a/form").get_data(as_text=True)
    assert 'name="website"' in fragment and 'class="cr-hp" aria-hidden="true"' in fragment
    form = {"email": "bot@example.com", "topics": "Pain", "frequency": "weekly", "website": "http://spam.example"}
    answer = client.post("/api/v1/sites/clinic-a/subscribe", data=form, headers={"Accept": "text/html"})
    assert answer.status_code == 202
    assert "Check your inbox" in answer.get_data(as_text=True)
    assert _subscriber_count(limited_app) == 0
    assert smtp_sink.messages == []
    person = dict(form, email="person@example.com", website="")
    assert client.post("/api/v1/sites/clinic-a/subscribe", data=person).status_code == 202
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["person@example.com"]]


@pytest.mark.parametrize(
    "limited_app", [{"SIGNUP_CAPTCHA_VERIFIER": "tests.newsletter.captcha_check:verify"}], indirect=True
)
def test_the_captcha_hook_refuses_a_sign_up_without_a_passing_answer(limited_app: Flask, smtp_sink: Any) -> None:
    client = limited_app.test_client()
    missing = _signup(client, "pat@example.com")
    assert missing.status_code == 422
    assert missing.get_json()["error"]["code"] == "captcha_failed"
    wrong = _signup(client, "pat@example.com", captcha_response="guess")
    assert wrong.status_code == 422
    page = client.post(
        "/api/v1/sites/clinic-a/subscribe",
        data={"email": "pat@example.com", "topics": "Pain", "captcha_response": "guess"},
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 422 and "Robot check" in page.get_data(as_text=True)
    assert _subscriber_count(limited_app) == 0 and smtp_sink.messages == []
    passed = _signup(client, "pat@example.com", captcha_response=captcha_check.ACCEPTED_ANSWER)
    assert passed.status_code == 202
    assert captcha_check.seen_clients[-1] == "203.0.113.7"
    assert len(smtp_sink.messages) == 1
