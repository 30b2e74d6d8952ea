"""Signing in and out, sessions, throttling: through the test client on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from admin.auth import set_password
from admin.models import Editor, LoginFailure
from service import db as database
from service.db import utcnow
from tests.admin.conftest import Account, add_editor, csrf_token, post_form, sign_in
from tests.conftest import add_site, make_test_app


def _failures(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return db.scalar(select(func.count()).select_from(LoginFailure)) or 0


def test_sign_in_opens_the_dashboard_with_a_safe_cookie(client: FlaskClient, admin_a: Account) -> None:
    response = sign_in(client, admin_a)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/clinic-a/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie and "Secure" not in cookie
    page = client.get("/admin/clinic-a/")
    assert page.status_code == 200 and "<h1>Dashboard</h1>" in page.get_data(as_text=True)
    assert client.get("/admin/").headers["Location"] == "/admin/clinic-a/"


def test_cookie_is_secure_when_served_over_https(sqlite_url: str, tmp_path: Path) -> None:
    app = make_test_app(sqlite_url, tmp_path / "var", PUBLIC_BASE_URL="https://reads.example")
    add_site(app, "clinic-a")
    account = add_editor(app, "clinic-a", "a@clinic-a.example")
    response = sign_in(app.test_client(), account)
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]
    app.extensions["db_engine"].dispose()


def test_wrong_password_and_unknown_email_are_refused_alike(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    wrong = sign_in(client, admin_a, password="not the password")
    unknown = post_form(client, "/admin/login", {"email": "nobody@clinic-a.example", "password": "whatever123"})
    for response in (wrong, unknown):
        body = response.get_data(as_text=True)
        assert response.status_code == 401
        assert "The email address or password is not right." in body and 'href="#password"' in body
    assert client.get("/admin/clinic-a/").status_code == 302  # still signed out
    assert _failures(app) == 2


def test_pages_need_a_session_and_come_back_after_sign_in(client: FlaskClient, admin_a: Account) -> None:
    response = client.get("/admin/clinic-a/articles?status=draft")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login?next=/admin/clinic-a/articles?status%3Ddraft"
    page = client.get(response.headers["Location"])
    signed = client.post(
        response.headers["Location"],
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": admin_a.email,
            "password": admin_a.password,
        },
    )
    assert signed.headers["Location"] == "/admin/clinic-a/articles?status=draft"


def test_next_never_leaves_the_admin_pages(client: FlaskClient, admin_a: Account) -> None:
    for target in ("//evil.example/admin/", "https://evil.example/", "/api/v1/articles"):
        fresh = client.application.test_client()
        token = csrf_token(fresh.get("/admin/login").get_data(as_text=True))
        response = fresh.post(
            f"/admin/login?next={target}",
            data={"csrf_token": token, "email": admin_a.email, "password": admin_a.password},
        )
        assert response.headers["Location"] == "/admin/clinic-a/"


def test_sign_out_ends_the_session(client: FlaskClient, admin_a: Account) -> None:
    sign_in(client, admin_a)
    response = post_form(client, "/admin/logout", {}, token_from="/admin/clinic-a/")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/login"
    assert client.get("/admin/clinic-a/").status_code == 302


def test_back_off_after_five_failures_across_workers(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    for _ in range(5):
        assert sign_in(client, admin_a, password="wrong password").status_code == 401
    waiting = sign_in(client, admin_a)  # even the right password waits out the back-off
    body = waiting.get_data(as_text=True)
    assert waiting.status_code == 429 and "Try again in 1 minute." in body
    assert client.get("/admin/clinic-a/").status_code == 302
    # the count lives in the database: a second app (another worker) on the same database refuses too,
    # and so does another address (the back-off is the account's)
    other = make_test_app(app.config["DATABASE_URL"], Path(app.config["VAR_DIR"]))
    assert sign_in(other.test_client(), admin_a).status_code == 429
    other.extensions["db_engine"].dispose()
    elsewhere = client.application.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert sign_in(elsewhere, admin_a).status_code == 429
    with app.app_context(), database.new_session() as db:
        db.execute(update(LoginFailure).values(at=utcnow() - timedelta(seconds=31)))
        db.commit()
    assert sign_in(client, admin_a).status_code == 302
    assert _failures(app) == 0  # a successful sign-in clears the account's failures


def _age_failures(app: Flask, seconds: int) -> None:
    with app.app_context(), database.new_session() as db:
        for failure in db.scalars(select(LoginFailure)):
            failure.at -= timedelta(seconds=seconds)
        db.commit()


def test_back_off_doubles_and_the_message_counts_down(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    for _ in range(5):
        sign_in(client, admin_a, password="wrong password")
    for wait in (30, 60, 120):  # each back-off waited out, then one more wrong password
        assert sign_in(client, admin_a, password="wrong password").status_code == 429  # not counted
        _age_failures(app, wait + 1)
        assert sign_in(client, admin_a, password="wrong password").status_code == 401
    locked = sign_in(client, admin_a)  # 8 failures: 30 s doubled three times
    assert locked.status_code == 429 and "Try again in 4 minutes." in locked.get_data(as_text=True)
    assert 230 < int(locked.headers["Retry-After"]) <= 240


def test_disabled_editor_and_changed_password_end_sessions(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    sign_in(client, editor_a)
    assert client.get("/admin/clinic-a/").status_code == 200
    with app.app_context(), database.new_session() as db:
        editor = db.scalar(select(Editor).where(Editor.email == editor_a.email))
        set_password(db, editor, "a brand new password")
        db.commit()
    assert client.get("/admin/clinic-a/").status_code == 302
    assert sign_in(client, editor_a, password="a brand new password").status_code == 302
    with app.app_context(), database.new_session() as db:
        db.execute(update(Editor).values(disabled_at=utcnow()))
        db.commit()
    assert client.get("/admin/clinic-a/").status_code == 302
    assert sign_in(client, editor_a, password="a brand new password").status_code == 401
