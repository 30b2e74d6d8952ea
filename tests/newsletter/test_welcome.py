"""The welcome message: once after confirming, saying what comes and when, and never lost to a crash."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from newsletter.digests import ledger
from newsletter.models import Subscriber
from service import db as database
from service.db import utcnow
from tests.newsletter.subscriber_helpers import link, plain, subscribe, subscriber_row

WELCOME = "Welcome to reading from Clinic-A"


def welcomes(sink) -> list:
    return [m for m in sink.messages if m.message["Subject"] == WELCOME]


def run_digest_job(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "send_due_digests"])
    assert result.exit_code == 0, result.output
    return result.output


def test_confirming_sends_one_welcome_that_says_what_comes_and_when(mail_app, mail_client, clinic, smtp_sink):
    fields = {"topics": ["Pain", "Sleep"], "frequency": "weekly", "weekday": 2, "hour": 18}
    assert subscribe(mail_client, time_zone="America/Chicago", **fields).status_code == 202
    confirm_path = link(plain(smtp_sink.messages[0]), "confirm")
    assert mail_client.post(confirm_path).status_code == 200
    assert mail_client.post(confirm_path).status_code == 200  # confirming twice
    assert run_digest_job(mail_app)  # the scheduler finds the welcome already sent
    [welcome] = welcomes(smtp_sink)
    assert welcome.rcpt_tos == ["pat@example.com"]
    text = plain(welcome)
    assert "Once a week, on Wednesday at 18:00 (America/Chicago time)" in text
    assert "- Pain\r\n- Sleep" in text
    assert "Your first reading: " in text
    assert "Change your topics or schedule: https://service.test/newsletter/clinic-a/preferences/" in text
    assert "Unsubscribe: https://service.test/newsletter/clinic-a/unsubscribe/" in text
    html = welcome.message.get_body(("html",)).get_content()
    assert "<li>Pain</li>" in html and "America/Chicago time" in html
    assert "Pain" not in welcome.message["Subject"] and "Sleep" not in welcome.message["Subject"]
    assert welcome.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_welcome_lost_to_a_crash_is_sent_by_the_next_digest_run(mail_app, mail_client, clinic, smtp_sink):
    assert subscribe(mail_client).status_code == 202
    with mail_app.app_context(), database.new_session() as db:
        # the process confirmed the subscription and died before the welcome was claimed
        subscriber = db.scalar(select(Subscriber))
        subscriber.status, subscriber.confirmed_at = "confirmed", utcnow()
        db.commit()
    assert welcomes(smtp_sink) == []
    assert '"welcomes_sent": 1' in run_digest_job(mail_app)
    assert len(welcomes(smtp_sink)) == 1
    run_digest_job(mail_app)
    assert len(welcomes(smtp_sink)) == 1


def test_mail_server_down_at_confirmation_is_retried_after_the_claim_timeout(mail_app, mail_client, clinic, smtp_sink):
    assert subscribe(mail_client).status_code == 202
    port = mail_app.config["SMTP_PORT"]
    mail_app.config["SMTP_PORT"] = 1  # nothing listens there
    assert mail_client.post(link(plain(smtp_sink.messages[0]), "confirm")).status_code == 200
    assert subscriber_row(mail_app).status == "confirmed"
    mail_app.config["SMTP_PORT"] = port
    run_digest_job(mail_app)
    assert welcomes(smtp_sink) == []  # the failed claim is recent: not retried at once
    with mail_app.app_context(), database.new_session() as db:
        [row] = db.scalars(select(ledger.DigestSend).where(ledger.DigestSend.period == "welcome"))
        assert row.status == ledger.FAILED
        db.execute(update(ledger.DigestSend).values(claimed_at=utcnow() - timedelta(minutes=20)))  # time passes
        db.commit()
    run_digest_job(mail_app)
    assert len(welcomes(smtp_sink)) == 1


def test_no_welcome_for_a_subscription_confirmed_long_ago(mail_app, mail_client, clinic, smtp_sink):
    assert subscribe(mail_client).status_code == 202
    with mail_app.app_context(), database.new_session() as db:
        subscriber = db.scalar(select(Subscriber))
        subscriber.status, subscriber.confirmed_at = "confirmed", utcnow() - timedelta(days=30)
        db.commit()
    run_digest_job(mail_app)
    assert welcomes(smtp_sink) == []


def test_a_welcome_whose_answer_was_lost_is_resent_after_the_claim_timeout_under_its_message_id(
    mail_app, mail_client, clinic, smtp_sink
):
    assert subscribe(mail_client).status_code == 202
    smtp_sink.disconnect_next(1)  # the server takes the welcome's content and drops the connection unanswered
    assert mail_client.post(link(plain(smtp_sink.messages[0]), "confirm")).status_code == 200
    assert welcomes(smtp_sink) == []  # not retried in the request
    run_digest_job(mail_app)
    assert welcomes(smtp_sink) == []  # the claim is recent
    with mail_app.app_context(), database.new_session() as db:
        [row] = db.scalars(select(ledger.DigestSend).where(ledger.DigestSend.period == "welcome"))
        assert row.status == ledger.CLAIMED and row.message_id
        claimed_id = row.message_id
        db.execute(update(ledger.DigestSend).values(claimed_at=utcnow() - timedelta(minutes=20)))  # time passes
        db.commit()
    run_digest_job(mail_app)
    [welcome] = welcomes(smtp_sink)
    assert welcome.message["Message-ID"] == claimed_id
