"""The confirmation email's sender identity, consent IPs, and what happens when the mail server is down."""

from __future__ import annotations

import logging
import socket

from tests.newsletter.subscriber_helpers import (
    ACCEPTED,
    make_clinic,
    subscribe,
    subscriber_row,
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_defaults_for_sender_and_postal_address(mail_app, mail_client, smtp_sink, caplog):
    from tests.conftest import add_site, article_payload

    site = add_site(mail_app, "bare-clinic")  # no from_email, no postal address
    mail_client.post("/api/v1/articles", json=article_payload(url="https://bare.example/a"), headers=site.headers)
    with caplog.at_level(logging.WARNING, logger="newsletter"):
        assert subscribe(mail_client, slug="bare-clinic").status_code == 202
    [received] = smtp_sink.messages
    assert received.mail_from == "news@service.test"
    assert "Postal address not yet set by the clinic" in received.message.get_body(("plain",)).get_content()
    assert any("no postal address" in r.getMessage() for r in caplog.records)
    assert all("pat@example.com" not in r.getMessage() and "Pain" not in r.getMessage() for r in caplog.records)


def test_consent_ip_is_kept_only_when_the_site_asks(mail_app, mail_client, smtp_sink):
    make_clinic(mail_app, "clinic-a")
    with mail_app.app_context():
        from service import db as database
        from service.sites import site_by_slug

        with database.new_session() as db:
            site = site_by_slug(db, "clinic-a")
            site.settings = {"store_consent_ip": True}
            db.commit()
    subscribe(mail_client, source="spring-campaign")
    row = subscriber_row(mail_app)
    assert (row.consent_ip, row.consent_source) == ("127.0.0.1", "spring-campaign")
    assert row.consent_at is not None


def test_mail_server_down_still_answers_the_same_and_retries_next_time(
    mail_app, mail_client, clinic, smtp_sink, caplog
):
    port = mail_app.config["SMTP_PORT"]
    mail_app.config["SMTP_PORT"] = _free_port()
    with caplog.at_level(logging.ERROR, logger="newsletter"):
        response = subscribe(mail_client)
    assert (response.status_code, response.get_json()) == (202, ACCEPTED)
    assert any("not sent" in r.getMessage() for r in caplog.records)
    row = subscriber_row(mail_app)
    assert row.status == "pending" and row.confirm_sent_at is None
    mail_app.config["SMTP_PORT"] = port
    assert subscribe(mail_client).status_code == 202  # not rate-limited: nothing was sent before
    assert len(smtp_sink.messages) == 1
