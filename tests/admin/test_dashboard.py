"""The dashboard's panels: the site's latest feed poll and digest run, through the test client on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from articles.feeds.models import FeedPoll, FeedSource
from jobs import health
from jobs.models import JobRun
from newsletter.digests.ledger import DigestRun
from service import db as database
from service.db import utcnow
from service.sites import site_by_slug
from tests.admin.conftest import Account, sign_in
from tests.conftest import SiteWithKey

DASHBOARD = "/admin/clinic-a/"


def _add_poll(app: Flask, slug: str, finished_at: datetime, **counts: int | str | None) -> None:
    """A feed of the site (made on first use) and one recorded poll of it."""
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        url = f"https://{slug}.example/feed.xml"
        feed = db.query(FeedSource).filter_by(site_id=site.id, url=url).one_or_none()
        if feed is None:
            feed = FeedSource(site_id=site.id, url=url)
            db.add(feed)
            db.flush()
        db.add(FeedPoll(feed_id=feed.id, site_id=site.id, started_at=finished_at, finished_at=finished_at, **counts))
        db.commit()


def test_the_panels_say_when_nothing_has_run(client: FlaskClient, editor_a: Account) -> None:
    sign_in(client, editor_a)
    body = client.get(DASHBOARD).get_data(as_text=True)
    assert "Last feed import" in body and "Last digest run" in body
    assert body.count("Nothing has run yet.") == 2


def test_dashboard_shows_the_last_digest_run_once_digests_exist(
    client: FlaskClient, editor_a: Account, app: Flask
) -> None:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        db.add(
            DigestRun(
                site_id=site.id,
                started_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
                due=12,
                sent=11,
                skipped=0,
                failed=1,
                reasons={},
            )
        )
        db.commit()
    sign_in(client, editor_a)
    body = client.get(DASHBOARD).get_data(as_text=True)
    assert "<dt>Sent</dt><dd>11</dd>" in body and "<dt>Failed</dt><dd>1</dd>" in body
    assert "Email digests are not set up yet." not in body
    assert "<dt>Started at</dt><dd>2026-03-02 08:00 UTC</dd>" in body
    assert "<dt>Finished at</dt><dd>—</dd>" in body and "<dt>Due</dt><dd>12</dd>" in body


def test_dashboard_shows_the_sites_latest_feed_poll(
    client: FlaskClient, editor_a: Account, app: Flask, site_b: SiteWithKey
) -> None:
    _add_poll(app, "clinic-a", datetime(2026, 3, 1, 6, 0, tzinfo=UTC), outcome="ok", created=9)
    _add_poll(
        app,
        "clinic-a",
        datetime(2026, 3, 2, 6, 15, tzinfo=UTC),
        outcome="error",
        created=3,
        updated=2,
        rejected=1,
        error="HTTP 502 <b>Bad Gateway</b>",
    )
    _add_poll(app, site_b.slug, datetime(2026, 3, 3, 6, 0, tzinfo=UTC), outcome="ok", created=40)
    sign_in(client, editor_a)
    body = client.get(DASHBOARD).get_data(as_text=True)
    assert "<dt>Finished at</dt><dd>2026-03-02 06:15 UTC</dd>" in body
    assert "<dt>Outcome</dt><dd>error</dd>" in body and "<dt>Created</dt><dd>3</dd>" in body
    assert "<dt>Updated</dt><dd>2</dd>" in body and "<dt>Rejected</dt><dd>1</dd>" in body
    assert "<dt>Error</dt><dd>HTTP 502 &lt;b&gt;Bad Gateway&lt;/b&gt;</dd>" in body
    assert "<dd>40</dd>" not in body and body.count("Nothing has run yet.") == 1


def test_dashboard_warns_while_the_scheduler_is_not_running(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    sign_in(client, editor_a)
    assert "No scheduler has run on this database yet" in client.get(DASHBOARD).get_data(as_text=True)

    started = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with app.app_context(), database.new_session() as db:
        health.beat(db, "host:1", started, 30.0, utcnow())
    body = client.get(DASHBOARD).get_data(as_text=True)
    assert 'id="scheduler-warning"' not in body and "scheduler" not in body.lower()

    last_tick = utcnow() - timedelta(seconds=91)  # more than three 30 s ticks ago: the loop stopped
    with app.app_context(), database.new_session() as db:
        health.beat(db, "host:1", started, 30.0, last_tick)
        report = health.scheduler_health(db)
    assert report["state"] == "stale" and report["stale"] and report["runner"] == "host:1"
    body = client.get(DASHBOARD).get_data(as_text=True)
    assert f"The scheduler stopped since {last_tick:%Y-%m-%d %H:%M} UTC" in body

    stopped = utcnow()
    with app.app_context(), database.new_session() as db:
        health.beat(db, "host:1", started, 30.0, stopped)
        health.mark_stopped(db, "host:2", stopped + timedelta(minutes=5))  # not the runner of the row: ignored
        assert health.scheduler_health(db)["state"] == "running"
        health.mark_stopped(db, "host:1", stopped)
        assert health.scheduler_health(db)["state"] == "stopped"
    assert f"The scheduler stopped since {stopped:%Y-%m-%d %H:%M} UTC" in client.get(DASHBOARD).get_data(as_text=True)


def test_scheduler_health_gives_each_jobs_last_success(app: Flask) -> None:
    first, second = datetime(2026, 3, 2, 8, 0, tzinfo=UTC), datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with app.app_context(), database.new_session() as db:
        for started, status in ((first, "ok"), (second, "error")):
            db.add(
                JobRun(
                    job_id="poll_feeds",
                    origin="scheduler",
                    started_at=started,
                    finished_at=started + timedelta(seconds=2),
                    status=status,
                )
            )
        db.commit()
        jobs = health.scheduler_health(db)["jobs"]
    assert jobs["poll_feeds"] == {
        "last_success": (first + timedelta(seconds=2)).isoformat(),
        "last_run": second.isoformat(),
        "last_status": "error",
    }
    assert jobs["send_due_digests"] == {"last_success": None, "last_run": None, "last_status": None}


def _run(app: Flask, started_at: datetime, due: int, sent: int) -> None:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        db.add(DigestRun(site_id=site.id, started_at=started_at, due=due, sent=sent, skipped=0, failed=0, reasons={}))
        db.commit()


def _set_zone(app: Flask, zone: str) -> None:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        site.settings = {**(site.settings or {}), "default_time_zone": zone}
        db.commit()


def test_the_last_run_that_sent_mail_is_shown_in_the_sites_zone_beside_a_later_empty_one(
    client: FlaskClient, editor_a: Account, app: Flask
) -> None:
    _set_zone(app, "America/Chicago")
    _run(app, datetime(2026, 7, 1, 13, 0, 5, 123456, tzinfo=UTC), due=30, sent=30)
    _run(app, datetime(2026, 7, 1, 14, 0, tzinfo=UTC), due=0, sent=0)
    sign_in(client, editor_a)
    body = client.get(DASHBOARD).get_data(as_text=True)
    assert "Last digest run that sent mail" in body
    assert "<dt>Started at</dt><dd>2026-07-01 08:00 CDT</dd>" in body and "<dt>Sent</dt><dd>30</dd>" in body
    assert "<dt>Latest run</dt><dd>2026-07-01 09:00 CDT, sent nothing (0 due, 0 failed)</dd>" in body
    assert "Times are in America/Chicago" in body
    assert "123456" not in body and "13:00" not in body


def test_subscriber_counts_by_status_and_their_growth(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    from datetime import timedelta

    from newsletter.models import Subscriber
    from service.db import utcnow

    now = utcnow()
    ages = {  # (status, days since sign-up, days since confirmation, days since unsubscribing)
        "a": ("confirmed", 2, 1, None),
        "b": ("confirmed", 20, 19, None),
        "c": ("confirmed", 100, 99, None),
        "d": ("pending", 1, None, None),
        "e": ("unsubscribed", 60, 59, 3),
    }
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        for name, (status, signed, confirmed, left) in ages.items():
            db.add(
                Subscriber(
                    site_id=site.id,
                    email=f"{name}@example.org",
                    email_hash=name * 64,
                    status=status,
                    created_at=now - timedelta(days=signed),
                    confirmed_at=now - timedelta(days=confirmed) if confirmed is not None else None,
                    unsubscribed_at=now - timedelta(days=left) if left is not None else None,
                )
            )
        db.commit()
    sign_in(client, editor_a)
    body = client.get(DASHBOARD).get_data(as_text=True)
    stats = re.findall(r'<span class="stat-number">(\d+)</span>\s*<span class="stat-label">(\w+)</span>', body)
    assert ("3", "Confirmed") in stats and ("1", "Pending") in stats and ("1", "Unsubscribed") in stats
    assert ("0", "Bounced") in stats
    assert '<tr><th scope="row">Signed up</th><td>+2</td><td>+3</td></tr>' in body
    assert '<tr><th scope="row">Confirmed</th><td>+1</td><td>+2</td></tr>' in body
    assert '<tr><th scope="row">Unsubscribed</th><td>−1</td><td>−1</td></tr>' in body
    assert '<tr><th scope="row">Net confirmed</th><td>+0</td><td>+1</td></tr>' in body
