"""Editors' accounts by email, through HTTP with the raw email read at a real SMTP server on loopback: an
administrator's invitation (a one-time, 7-day link to choose a password) and "Forgot your password?" (the same
answer for any address, a one-time, 1-hour link that ends every other session, limited per address and email)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin.account_links import make_link_token
from admin.auth import editor_by_email
from service import db as database
from service.db import utcnow
from tests.admin.conftest import Account, csrf_token, post_form, sign_in
from tests.admin.test_audit import _entries
from tests.newsletter.smtp_sink import ReceivedMessage, SmtpSink

EDITORS = "/admin/clinic-a/editors"
LINK = re.compile(r"http://mail\.test(/admin/account-link/(?:invitation|reset)/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def sink(app: Flask) -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        app.config.update(server.app_settings())
        app.config["PUBLIC_BASE_URL"] = "http://mail.test"
        yield server


def _wait_for_mail(sink: SmtpSink, count: int = 1, seconds: float = 10) -> list[ReceivedMessage]:
    deadline = time.monotonic() + seconds
    while len(sink.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sink.messages) >= count, f"expected {count} message(s) at the SMTP sink, got {len(sink.messages)}"
    return list(sink.messages)


def _link(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    match = LINK.search(body.get_content())
    assert match, "no account link in the email"
    return match.group(1)


def _invite(client: FlaskClient, email: str, role: str = "editor", name: str = "") -> Any:
    token = csrf_token(client.get(EDITORS).get_data(as_text=True).split('id="invite-heading"')[1])
    data = {"invite-csrf_token": token, "invite-email": email, "invite-name": name, "invite-role": role}
    return client.post(f"{EDITORS}/invite", data=data)


def _set_password(client: FlaskClient, path: str, password: str) -> Any:
    return post_form(client, path, {"password": password, "confirm": password})


def test_an_invited_editor_chooses_a_password_once(
    app: Flask, client: FlaskClient, admin_a: Account, sink: SmtpSink
) -> None:
    sign_in(client, admin_a)
    sent = _invite(client, "Lee@Clinic-A.example", "editor", "Lee Park")
    assert sent.status_code == 302
    editors_page = client.get(EDITORS).get_data(as_text=True)
    assert "An invitation is on its way to lee@clinic-a.example." in editors_page
    assert "Invited, not yet signed in" in editors_page

    received = _wait_for_mail(sink)[0]
    assert received.rcpt_tos == ["lee@clinic-a.example"]
    assert b"\r\nTo: lee@clinic-a.example\r\n" in received.data
    assert b"Subject: You are invited to edit" in received.data
    message = received.message
    assert message["From"].addresses[0].addr_spec == "no-reply@mail.test"
    assert message["Message-ID"] and message["Date"]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "works once, for 7 days" in body
    link = _link(message)

    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "lee@clinic-a.example" in page.get_data(as_text=True)
    short = _set_password(invitee, link, "short")
    assert short.status_code == 422 and "Use at least 10 characters." in short.get_data(as_text=True)
    done = _set_password(invitee, link, "a passphrase of my own")
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/clinic-a/")
    assert "Welcome! Your password is set." in invitee.get("/admin/clinic-a/").get_data(as_text=True)

    again = app.test_client().get(link)
    assert again.status_code == 410
    assert "This link has been used already" in again.get_data(as_text=True)
    lee = Account("lee@clinic-a.example", "clinic-a", "editor")
    relogin = sign_in(app.test_client(), lee, "a passphrase of my own")
    assert relogin.status_code == 302
    entries = _entries(app)
    assert (f"editor {admin_a.email}", "editor", "invited", "lee@clinic-a.example (editor)") in entries
    assert any(e[2] == "invitation accepted" and e[3] == "lee@clinic-a.example" for e in entries)


def test_invitations_refuse_bad_input_and_links_that_are_expired_tampered_or_for_another_purpose(
    app: Flask, client: FlaskClient, admin_a: Account, editor_a: Account, sink: SmtpSink
) -> None:
    sign_in(client, admin_a)
    bad = _invite(client, "not an address")
    assert bad.status_code == 422 and "Enter a valid email." in bad.get_data(as_text=True)
    taken = _invite(client, editor_a.email)
    assert taken.status_code == 409
    assert "An editor with this email already exists." in taken.get_data(as_text=True)
    editor_client = app.test_client()
    sign_in(editor_client, editor_a)
    token = csrf_token(editor_client.get("/admin/clinic-a/account").get_data(as_text=True))
    data = {"invite-csrf_token": token, "invite-email": "x@clinic-a.example", "invite-role": "admin"}
    refused = editor_client.post(f"{EDITORS}/invite", data=data)
    assert refused.status_code == 403
    time.sleep(0.3)
    assert sink.messages == [], "no invitation left"
    assert not [e for e in _entries(app) if e[2] == "invited"]

    with app.app_context(), database.new_session() as db:
        editor = editor_by_email(db, editor_a.email)
        assert editor is not None
        secret = app.config["SECRET_KEY"]
        old = make_link_token(secret, "invitation", editor, now=utcnow() - timedelta(days=7, minutes=1))
        fresh = make_link_token(secret, "invitation", editor)
        reset = make_link_token(secret, "reset", editor)
    expired = app.test_client().get(f"/admin/account-link/invitation/{old}")
    assert expired.status_code == 410 and "This link has expired." in expired.get_data(as_text=True)
    tampered = app.test_client().get(f"/admin/account-link/invitation/{fresh[:-2]}xx")
    assert tampered.status_code == 400 and "This link is not valid." in tampered.get_data(as_text=True)
    crossed = app.test_client().get(f"/admin/account-link/invitation/{reset}")
    assert crossed.status_code == 400, "a reset link is no invitation"
    assert app.test_client().get(f"/admin/account-link/invitation/{fresh}").status_code == 200


def _forgot(client: FlaskClient, email: str) -> Any:
    return post_form(client, "/admin/forgot-password", {"email": email})


def test_a_forgotten_password_is_reset_by_email_and_other_sessions_end(
    app: Flask, client: FlaskClient, editor_a: Account, sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    assert 'href="/admin/forgot-password"' in client.get("/admin/login").get_data(as_text=True)
    other_device = app.test_client()
    sign_in(other_device, editor_a)
    known = _forgot(client, editor_a.email)
    unknown = _forgot(app.test_client(), "nobody@clinic-a.example")
    known_text = known.get_data(as_text=True).replace(editor_a.email, "ADDRESS")
    unknown_text = unknown.get_data(as_text=True).replace("nobody@clinic-a.example", "ADDRESS")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert strip.sub("", known_text) == strip.sub("", unknown_text), "the answer tells nothing about the address"

    received = _wait_for_mail(sink)
    time.sleep(0.3)
    assert [m.rcpt_tos for m in sink.messages] == [[editor_a.email]], "nothing is sent to an unknown address"
    assert b"Subject: Reset your Clinic Reads password" in received[0].data
    link = _link(received[0].message)
    assert "/account-link/reset/" in link

    done = _set_password(app.test_client(), link, "my new passphrase")
    assert done.status_code == 302
    assert other_device.get("/admin/clinic-a/").status_code == 302, "the other device is signed out"
    assert sign_in(app.test_client(), editor_a, "my new passphrase").status_code == 302
    assert sign_in(app.test_client(), editor_a).status_code == 401, "the old password no longer works"
    assert app.test_client().get(link).status_code == 410, "the link works once"
    assert any(e[2] == "password reset by email" for e in _entries(app))
    assert editor_a.email not in caplog.text and "nobody@clinic-a.example" not in caplog.text

    with app.app_context(), database.new_session() as db:
        editor = editor_by_email(db, editor_a.email)
        assert editor is not None
        old = make_link_token(app.config["SECRET_KEY"], "reset", editor, now=utcnow() - timedelta(minutes=61))
    assert app.test_client().get(f"/admin/account-link/reset/{old}").status_code == 410


def test_reset_requests_are_limited_per_email_and_per_client_address(
    app: Flask, client: FlaskClient, editor_a: Account, sink: SmtpSink
) -> None:
    for _ in range(3):
        assert _forgot(client, editor_a.email).status_code == 200
    limited = _forgot(client, editor_a.email)
    assert limited.status_code == 429
    assert "Too many reset requests." in limited.get_data(as_text=True)
    unknown = [_forgot(client, "nobody@clinic-a.example").status_code for _ in range(4)]
    assert unknown == [200, 200, 200, 429], "the same limit whether or not the address is an editor's"
    _wait_for_mail(sink, 3)
    time.sleep(0.3)
    assert len(sink.messages) == 3

    answers = [_forgot(client, f"someone{n}@clinic-a.example").status_code for n in range(13)]
    assert answers[:12] == [200] * 12 and answers[12] == 429, "20 requests from one address per hour"
    empty = post_form(client, "/admin/forgot-password", {"email": ""})
    assert empty.status_code == 422 and "Enter your email address." in empty.get_data(as_text=True)


def test_an_invitation_sent_again_replaces_the_earlier_link(
    app: Flask, client: FlaskClient, admin_a: Account, sink: SmtpSink
) -> None:
    sign_in(client, admin_a)
    _invite(client, "kim@clinic-a.example")
    first = _link(_wait_for_mail(sink)[0].message)
    page = client.get(EDITORS).get_data(as_text=True)
    label = 'aria-label="Send the invitation again to kim@clinic-a.example"'
    assert label in page
    editor_id = page.split(label)[0].rsplit("/editors/", 1)[1].split("/")[0]
    again = post_form(client, f"{EDITORS}/{editor_id}/invite-again", {}, EDITORS)
    assert again.status_code == 302
    assert "A new invitation is on its way to kim@clinic-a.example" in client.get(EDITORS).get_data(as_text=True)
    second = _link(_wait_for_mail(sink, 2)[1].message)
    assert second != first
    assert app.test_client().get(first).status_code == 410, "the earlier link no longer works"
    assert _set_password(app.test_client(), second, "kim's own passphrase").status_code == 302
    assert label not in client.get(EDITORS).get_data(as_text=True), "signed in: nothing to send again"
    refused = post_form(client, f"{EDITORS}/{editor_id}/invite-again", {}, EDITORS)
    assert refused.status_code == 302
    assert "has signed in already" in client.get(EDITORS).get_data(as_text=True)
    assert any(e[2] == "invited again" for e in _entries(app))
