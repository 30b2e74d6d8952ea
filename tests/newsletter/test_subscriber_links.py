"""Signed links: expired, tampered, wrong-purpose and other clinics' tokens show a page and change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsletter import tokens
from newsletter.subscriptions import links_for
from service.db import utcnow
from tests.newsletter.subscriber_helpers import (
    BASE,
    link,
    make_clinic,
    plain,
    subscribe,
    subscriber_row,
)


@pytest.fixture
def pending(mail_app, mail_client, clinic, smtp_sink):
    """pat@example.com signed up (pending); returns the confirmation email's text."""
    assert subscribe(mail_client).status_code == 202
    return plain(smtp_sink.messages[0])


def _tampered(path: str) -> str:
    token = path.split("/")[4]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    return path.replace(token, flipped)


def test_expired_confirm_link_shows_a_page_and_changes_nothing(mail_app, mail_client, pending):
    mail_app.config["CONFIRM_TOKEN_MAX_AGE_S"] = -1
    for method in (mail_client.get, mail_client.post):
        response = method(link(pending, "confirm"))
        assert response.status_code == 400
        assert "This link has expired" in response.get_data(as_text=True)
    assert subscriber_row(mail_app).status == "pending"


def test_expired_unsubscribe_link_changes_nothing(mail_app, mail_client, pending):
    mail_app.config["LINK_TOKEN_MAX_AGE_S"] = -1
    response = mail_client.post(link(pending, "unsubscribe"), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert subscriber_row(mail_app).status == "pending"


@pytest.mark.parametrize("kind", ["confirm", "unsubscribe", "preferences"])
def test_tampered_links_are_refused(mail_app, mail_client, pending, kind):
    path = _tampered(link(pending, kind))
    if kind == "preferences":  # its POST needs a CSRF token from the (refused) page first
        response = mail_client.get(path)
    else:
        response = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)
    assert "<h1>This link cannot be used</h1>" in response.get_data(as_text=True)
    assert subscriber_row(mail_app).status == "pending"


def test_a_link_for_one_purpose_does_not_work_for_another(mail_app, mail_client, pending):
    unsubscribe_token = link(pending, "unsubscribe").split("/")[4]
    assert mail_client.post(f"/newsletter/clinic-a/confirm/{unsubscribe_token}").status_code == 400
    assert subscriber_row(mail_app).status == "pending"


def test_another_clinics_link_is_refused(mail_app, mail_client, pending):
    make_clinic(mail_app, "clinic-b")
    token = link(pending, "unsubscribe").split("/")[4]
    response = mail_client.post(f"/newsletter/clinic-b/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404
    assert "does not belong to this clinic" in response.get_data(as_text=True)
    assert subscriber_row(mail_app).status == "pending"


def test_a_link_of_an_erased_subscriber_is_refused(mail_app, mail_client, clinic, pending):
    row = subscriber_row(mail_app)
    assert mail_client.delete(f"/api/v1/subscribers/{row.id}", headers=clinic.headers).status_code == 204
    assert mail_client.get(link(pending, "preferences")).status_code == 404


def test_a_token_names_the_address_so_a_reused_id_cannot_match(mail_app):
    secret = "s3cret"
    token = tokens.make_token(secret, "unsubscribe", 1, 7, "a" * 64)
    data = tokens.read_token(secret, "unsubscribe", token, 60)
    assert (data.site_id, data.subscriber_id) == (1, 7)
    assert data.matches("a" * 64) and not data.matches("b" * 64)
    later = utcnow() + timedelta(seconds=61)
    with pytest.raises(tokens.TokenError) as expired:
        tokens.read_token(secret, "unsubscribe", token, 60, now=later)
    assert expired.value.reason == "expired"
    with pytest.raises(tokens.TokenError):
        tokens.read_token("other-secret", "unsubscribe", token, 60)
    with pytest.raises(tokens.TokenError):
        tokens.read_token(secret, "preferences", token, 60)


def test_links_for_gives_the_digest_sender_every_url(mail_app, mail_client, pending):
    row = subscriber_row(mail_app)
    with mail_app.app_context():
        from service import db as database

        with database.new_session() as db:
            from newsletter.models import Subscriber

            links = links_for(db.get(Subscriber, row.id), BASE, mail_app.config["SECRET_KEY"])
    assert set(links) == {"preferences_url", "unsubscribe_url", "one_click_url", "mailto"}
    assert links["one_click_url"] == links["unsubscribe_url"] + "/one-click"
    assert links["mailto"] is None
    assert "Pain" not in "".join(v for v in links.values() if v)
    response = mail_client.post(links["one_click_url"].replace(BASE, ""), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and subscriber_row(mail_app).status == "unsubscribed"
