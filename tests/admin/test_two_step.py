"""Two-step sign-in (TOTP) through HTTP, with pyotp generating the codes an authenticator app would: an editor
turns it on from "Your account", sign-in then asks for a code (wrong codes refused and counted toward the
sign-in back-off, no code used twice), and an administrator turns it off for an editor."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from admin.account_links import make_link_token
from admin.auth import editor_by_email
from service import db as database
from tests.admin.conftest import Account, csrf_token, sign_in
from tests.admin.test_audit import _entries

ACCOUNT = "/admin/clinic-a/account"
TWO_STEP = "/admin/clinic-a/account/two-step"


def _post(client: FlaskClient, path: str, data: dict[str, str], token_from: str, field: str = "csrf_token") -> Any:
    return client.post(path, data={field: csrf_token(client.get(token_from).get_data(as_text=True)), **data})


def _turn_on(client: FlaskClient, account: Account) -> pyotp.TOTP:
    sign_in(client, account)
    assert _post(client, f"{TWO_STEP}/start", {}, ACCOUNT).status_code == 302
    page = client.get(ACCOUNT).get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    assert secret, "the secret is shown as text while turning the factor on"
    totp = pyotp.TOTP(secret.group(1))
    confirmed = _post(client, f"{TWO_STEP}/confirm", {"totp-code": totp.now()}, ACCOUNT, "totp-csrf_token")
    assert confirmed.status_code == 302
    return totp


def _code_step(client: FlaskClient, code: str) -> Any:
    return _post(client, "/admin/login/code", {"code": code}, "/admin/login/code")


def test_an_editor_turns_two_step_sign_in_on(
    app: Flask, client: FlaskClient, editor_a: Account, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(client, editor_a)
    assert "Set up two-step sign-in" in client.get(ACCOUNT).get_data(as_text=True)
    _post(client, f"{TWO_STEP}/start", {}, ACCOUNT)
    page = client.get(ACCOUNT).get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    assert secret
    uri = re.search(r'<code id="totp-uri">([^<]+)</code>', page)
    assert uri
    parsed = pyotp.parse_uri(uri.group(1).replace("&amp;", "&"))
    assert parsed.secret == secret.group(1) and parsed.name == editor_a.email
    totp = pyotp.TOTP(secret.group(1))

    wrong = _post(client, f"{TWO_STEP}/confirm", {"totp-code": "000000"}, ACCOUNT, "totp-csrf_token")
    if totp.now() == "000000":  # one chance in a million: the wrong code happened to be right
        pytest.skip("the made-up wrong code was the current code")
    assert wrong.status_code == 422
    assert "That code is not right." in wrong.get_data(as_text=True)
    done = _post(client, f"{TWO_STEP}/confirm", {"totp-code": totp.now()}, ACCOUNT, "totp-csrf_token")
    assert done.status_code == 302
    page = client.get(ACCOUNT).get_data(as_text=True)
    assert "Two-step sign-in is on" in page and secret.group(1) not in page, "the secret is never shown again"
    assert client.get("/admin/clinic-a/").status_code == 200, "this session goes on"
    assert secret.group(1) not in caplog.text
    assert (f"editor {editor_a.email}", "editor", "two-step sign-in turned on", editor_a.email) in _entries(app)


def test_sign_in_asks_for_a_code_refuses_wrong_and_reused_ones_and_counts_them(
    app: Flask, client: FlaskClient, editor_a: Account
) -> None:
    totp = _turn_on(client, editor_a)
    confirm_code = totp.now()
    browser = app.test_client()
    assert browser.get("/admin/login/code").status_code == 302, "no code step without the password"
    step = sign_in(browser, editor_a)
    assert step.status_code == 302 and step.headers["Location"].startswith("/admin/login/code")
    assert browser.get("/admin/clinic-a/").status_code == 302, "not signed in by the password alone"
    assert "Enter your code" in browser.get("/admin/login/code").get_data(as_text=True)

    reused = _code_step(browser, confirm_code)
    assert reused.status_code == 401, "a code already used does not sign in again"
    assert "That code is not right." in reused.get_data(as_text=True)
    right = _code_step(browser, totp.at(time.time() + 30))
    assert right.status_code == 302 and right.headers["Location"].endswith("/admin/clinic-a/")
    assert browser.get("/admin/clinic-a/").status_code == 200

    guesser = app.test_client()
    sign_in(guesser, editor_a)
    answers = [_code_step(guesser, f"{n:06d}").status_code for n in range(111111, 111116)]
    if any(totp.at(time.time() + d) in {f"{n:06d}" for n in range(111111, 111116)} for d in (-30, 0, 30)):
        pytest.skip("a guessed code happened to be right")
    assert answers == [401] * 5
    throttled = _code_step(guesser, totp.at(time.time() + 60))
    assert throttled.status_code == 429, "wrong codes count toward the sign-in back-off"


def test_an_admin_turns_two_step_sign_in_off_for_an_editor(
    app: Flask, client: FlaskClient, admin_a: Account, editor_a: Account
) -> None:
    editor_client = app.test_client()
    _turn_on(editor_client, editor_a)
    admin = app.test_client()
    sign_in(admin, admin_a)
    page = admin.get("/admin/clinic-a/editors").get_data(as_text=True)
    label = f'aria-label="Turn off two-step sign-in for {editor_a.email}"'
    assert label in page
    editor_id = page.split(label)[0].rsplit("/editors/", 1)[1].split("/")[0]
    refused = _post(editor_client, f"/admin/clinic-a/editors/{editor_id}/two-step-off", {}, ACCOUNT)
    assert refused.status_code == 403

    done = _post(admin, f"/admin/clinic-a/editors/{editor_id}/two-step-off", {}, "/admin/clinic-a/editors")
    assert done.status_code == 302
    assert f"Two-step sign-in is off for {editor_a.email}" in admin.get("/admin/clinic-a/editors").get_data(
        as_text=True
    )
    assert editor_client.get("/admin/clinic-a/").status_code == 302, "the editor's sessions ended"
    again = sign_in(app.test_client(), editor_a)
    assert again.status_code == 302 and again.headers["Location"].endswith("/admin/clinic-a/"), "password only"
    summary = f"{editor_a.email} (by an administrator)"
    assert (f"editor {admin_a.email}", "editor", "two-step sign-in turned off", summary) in _entries(app)


def test_an_editor_turns_it_off_with_a_current_code(app: Flask, client: FlaskClient, editor_a: Account) -> None:
    totp = _turn_on(client, editor_a)
    wrong = _post(client, f"{TWO_STEP}/off", {"totp-code": "12"}, ACCOUNT, "totp-csrf_token")
    assert wrong.status_code == 422
    off = _post(client, f"{TWO_STEP}/off", {"totp-code": totp.at(time.time() + 30)}, ACCOUNT, "totp-csrf_token")
    assert off.status_code == 302
    assert "Two-step sign-in is off" in client.get(ACCOUNT).get_data(as_text=True)
    assert sign_in(app.test_client(), editor_a).headers["Location"].endswith("/admin/clinic-a/")


def test_a_password_reset_by_email_still_asks_for_the_code(app: Flask, client: FlaskClient, editor_a: Account) -> None:
    totp = _turn_on(client, editor_a)
    with app.app_context(), database.new_session() as db:
        editor = editor_by_email(db, editor_a.email)
        assert editor is not None
        link = f"/admin/account-link/reset/{make_link_token(app.config['SECRET_KEY'], 'reset', editor)}"
    browser = app.test_client()
    done = _post(browser, link, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}, link)
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/login/code")
    assert browser.get("/admin/clinic-a/").status_code == 302, "not signed in by the email link alone"
    assert _code_step(browser, totp.at(time.time() + 30)).status_code == 302
    assert browser.get("/admin/clinic-a/").status_code == 200


def _stored_secret(app: Flask, email: str) -> str:
    with app.app_context(), database.new_session() as db:
        editor = editor_by_email(db, email)
        assert editor is not None and editor.totp_secret
        return editor.totp_secret


def test_the_secret_is_stored_sealed_and_an_older_plain_one_is_sealed_at_its_next_use(
    app: Flask, client: FlaskClient, editor_a: Account
) -> None:
    totp = _turn_on(client, editor_a)
    stored = _stored_secret(app, editor_a.email)
    assert totp.secret not in stored and stored.startswith("sealed1:"), "a database copy alone gives no codes"

    key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another key"  # a key that cannot open it: no code signs in
    other = app.test_client()
    sign_in(other, editor_a)
    assert _code_step(other, totp.at(time.time() + 30)).status_code == 401
    app.config["SECRET_KEY"] = key
    again = app.test_client()
    sign_in(again, editor_a)
    assert _code_step(again, totp.at(time.time() + 30)).status_code == 302

    with app.app_context(), database.new_session() as db:  # as stored before secrets were sealed
        db.execute(
            text("UPDATE editors SET totp_secret = :s, totp_last_step = NULL WHERE email = :e"),
            {"s": totp.secret, "e": editor_a.email},
        )
        db.commit()
    browser = app.test_client()
    sign_in(browser, editor_a)
    assert _code_step(browser, totp.now()).status_code == 302, "the plain secret still works"
    assert _stored_secret(app, editor_a.email).startswith("sealed1:")
