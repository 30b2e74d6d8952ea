"""The purge of unconfirmed sign-ups follows PENDING_EXPIRY_DAYS, from the command and from the scheduler's job."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from newsletter.inputs import Preferences, Signup
from newsletter.models import Subscriber
from newsletter.subscriptions import request_subscription
from service import db as database
from service.db import utcnow
from service.sites import site_by_slug
from tests.conftest import SiteWithKey


def sign_up(app: Flask, slug: str, email: str, days_ago: int) -> None:
    with app.app_context(), database.new_session() as db:
        signup = Signup(email=email, preferences=Preferences(topics=["Pain"]))
        request_subscription(db, site_by_slug(db, slug), signup, utcnow() - timedelta(days=days_ago))
        db.commit()


def pending(app: Flask) -> list[str]:
    with app.app_context(), database.new_session() as db:
        return sorted(db.scalars(select(Subscriber.email).where(Subscriber.status == "pending")))


def test_the_purge_command_and_job_use_the_pending_expiry_setting(app: Flask, site_a: SiteWithKey) -> None:
    app.config["PENDING_EXPIRY_DAYS"] = 3
    sign_up(app, site_a.slug, "four-days@example.com", 4)
    sign_up(app, site_a.slug, "two-days@example.com", 2)
    result = app.test_cli_runner().invoke(args=["subscribers", "purge-pending"])
    assert result.exit_code == 0 and "purged 1 expired" in result.output
    assert pending(app) == ["two-days@example.com"]

    sign_up(app, site_a.slug, "five-days@example.com", 5)
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "purge_pending_subscribers"])
    assert result.exit_code == 0, result.output
    assert pending(app) == ["two-days@example.com"]
