"""Sign-in limits that cannot lock a real editor out, the trusted-proxy setting, and sessions that end on sign-out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from admin.models import LoginFailure
from service import db as database
from service.db import utcnow
from tests.admin.conftest import Account, csrf_token, post_form, sign_in
from tests.conftest import make_test_app


def attempt(client: FlaskClient, email: str, password: str, **environ: Any) -> Any:
    """One sign-in from the address (and headers) given."""
    headers = environ.pop("headers", {})
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    return client.post(
        "/admin/login",
        data={"csrf_token": token, "email": email, "password": password},
        environ_base=environ,
        headers=headers,
    )


def test_made_up_emails_from_one_address_never_lock_out_a_right_password(client: FlaskClient, admin_a: Account) -> None:
    nat = {"REMOTE_ADDR": "198.51.100.7"}
    for n in range(30):
        assert attempt(client, f"nobody{n}@example.org", "guess guess guess", **nat).status_code == 401
    refused = attempt(client, "nobody-else@example.org", "guess guess guess", **nat)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert attempt(client, admin_a.email, "a wrong password", **nat).status_code == 429  # no hint who exists
    assert attempt(client, admin_a.email, admin_a.password, **nat).status_code == 302  # the admin still signs in
    assert client.get("/admin/clinic-a/").status_code == 200
    other = client.application.test_client()
    assert attempt(other, "someone@example.org", "guess guess guess", REMOTE_ADDR="198.51.100.8").status_code == 401


def test_one_account_backs_off_from_every_address_and_recovers(
    client: FlaskClient, admin_a: Account, app: Flask
) -> None:
    for n in range(5):
        wrong = attempt(client, admin_a.email, "a wrong password", REMOTE_ADDR=f"203.0.113.{n + 1}")
        assert wrong.status_code == 401
    waiting = attempt(client, admin_a.email, admin_a.password, REMOTE_ADDR="203.0.113.99")
    assert waiting.status_code == 429 and 0 < int(waiting.headers["Retry-After"]) <= 30
    assert "Try again in 1 minute." in waiting.get_data(as_text=True)
    with app.app_context(), database.new_session() as db:  # the back-off has passed
        db.execute(update(LoginFailure).values(at=utcnow() - timedelta(seconds=31)))
        db.commit()
    assert attempt(client, admin_a.email, "a wrong password", REMOTE_ADDR="203.0.113.1").status_code == 401
    doubled = attempt(client, admin_a.email, admin_a.password, REMOTE_ADDR="203.0.113.1")
    assert doubled.status_code == 429 and 30 < int(doubled.headers["Retry-After"]) <= 60
    with app.app_context(), database.new_session() as db:
        db.execute(update(LoginFailure).values(at=utcnow() - timedelta(seconds=61)))
        db.commit()
    assert attempt(client, admin_a.email, admin_a.password, REMOTE_ADDR="203.0.113.1").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(
    admin_a: Account, app: Flask, tmp_path: Path
) -> None:
    proxied = make_test_app(app.config["DATABASE_URL"], tmp_path / "proxied", TRUSTED_PROXY_HOPS=1)
    client = proxied.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(30):
        forwarded = {"X-Forwarded-For": "198.51.100.7"}
        assert attempt(client, f"nobody{n}@example.org", "guess", headers=forwarded, **proxy).status_code == 401
    assert (
        attempt(client, "x@example.org", "guess", headers={"X-Forwarded-For": "198.51.100.7"}, **proxy).status_code
        == 429
    )
    # another client behind the same proxy is its own address
    other = {"X-Forwarded-For": "198.51.100.8"}
    assert attempt(client, "x@example.org", "guess", headers=other, **proxy).status_code == 401
    proxied.extensions["db_engine"].dispose()


def test_without_trusted_proxies_forwarded_headers_are_ignored(client: FlaskClient, admin_a: Account) -> None:
    for n in range(30):
        spoofed = {"X-Forwarded-For": f"192.0.2.{n + 1}"}
        assert attempt(client, f"nobody{n}@example.org", "guess", headers=spoofed).status_code == 401
    assert attempt(client, "x@example.org", "guess", headers={"X-Forwarded-For": "192.0.2.200"}).status_code == 429


def test_a_copied_session_cookie_stops_working_after_sign_out(app: Flask, admin_a: Account) -> None:
    browser = app.test_client()
    assert sign_in(browser, admin_a).status_code == 302
    cookie = browser.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain=cookie.domain)
    assert thief.get("/admin/clinic-a/").status_code == 200
    assert post_form(browser, "/admin/logout", {}, token_from="/admin/clinic-a/").status_code == 302
    assert thief.get("/admin/clinic-a/").status_code == 302  # to the sign-in page
    assert thief.get("/admin/clinic-a/subscribers").status_code == 302
    assert sign_in(browser, admin_a).status_code == 302  # signing in again starts a fresh session
    assert browser.get("/admin/clinic-a/").status_code == 200
    assert thief.get("/admin/clinic-a/").status_code == 302


def test_a_new_password_ends_copied_sessions(app: Flask, admin_a: Account, runner: Any) -> None:
    browser = app.test_client()
    assert sign_in(browser, admin_a).status_code == 302
    result = runner.invoke(
        args=["editors", "password", admin_a.email, "--password-stdin"], input="another long password\n"
    )
    assert result.exit_code == 0, result.output
    assert browser.get("/admin/clinic-a/").status_code == 302
