"""Domain functions the scheduler and the digest sender call: purge of old sign-ups, bounces, complaints."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from newsletter.inputs import Preferences, Signup
from newsletter.models import Subscriber
from newsletter.subscriptions import (
    BOUNCE_LIMIT,
    purge_expired_pending,
    record_bounce,
    record_complaint,
    request_subscription,
)
from service import db as database
from service.db import utcnow
from service.sites import site_by_slug


def _signup(email: str) -> Signup:
    return Signup(email=email, preferences=Preferences(topics=["Pain"]))


def test_purge_deletes_only_pending_sign_ups_older_than_the_expiry(mail_app, clinic):
    now = utcnow()
    with mail_app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        old = request_subscription(db, site, _signup("old@example.com"), now - timedelta(days=8)).subscriber
        request_subscription(db, site, _signup("new@example.com"), now - timedelta(days=6))
        kept = request_subscription(db, site, _signup("kept@example.com"), now - timedelta(days=30)).subscriber
        kept.status = "confirmed"
        db.commit()
        assert purge_expired_pending(db, now) == 1
        db.commit()
        assert db.get(Subscriber, old.id) is None
        assert sorted(db.scalars(select(Subscriber.email))) == ["kept@example.com", "new@example.com"]
        assert purge_expired_pending(db, now, days=5) == 1
        db.commit()
        assert purge_expired_pending(db, now, days=5) == 0


def test_purge_command(mail_app, clinic):
    with mail_app.app_context(), database.new_session() as db:
        request_subscription(db, site_by_slug(db, "clinic-a"), _signup("old@example.com"), utcnow() - timedelta(days=9))
        db.commit()
    result = mail_app.test_cli_runner().invoke(args=["subscribers", "purge-pending"])
    assert result.exit_code == 0 and "purged 1 expired" in result.output


def test_three_permanent_bounces_mark_the_subscriber_bounced(mail_app, clinic):
    with mail_app.app_context(), database.new_session() as db:
        subscriber = request_subscription(
            db, site_by_slug(db, "clinic-a"), _signup("p@example.com"), utcnow()
        ).subscriber
        subscriber.status = "confirmed"
        assert record_bounce(db, subscriber, 451, "try later") is False  # temporary: not counted
        assert record_bounce(db, subscriber, 550, "no such user") is False
        assert record_bounce(db, subscriber, 550, "no such user") is False
        assert subscriber.status == "confirmed" and subscriber.bounce_count == BOUNCE_LIMIT - 1
        assert record_bounce(db, subscriber, 552, "mailbox full") is True
        db.commit()
        stored = db.get(Subscriber, subscriber.id)
        assert (stored.status, stored.bounce_count, stored.last_bounce_code) == ("bounced", 3, 552)


def test_bounced_and_complained_addresses_may_sign_up_again(mail_app, mail_client, clinic):
    with mail_app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        subscriber = request_subscription(db, site, _signup("p@example.com"), utcnow()).subscriber
        record_complaint(db, subscriber)
        db.commit()
        assert not subscriber.is_active
        again = request_subscription(db, site, _signup("p@example.com"), utcnow())
        assert again.outcome == "renewed" and again.send_confirmation
        assert (again.subscriber.status, again.subscriber.bounce_count) == ("pending", 0)
