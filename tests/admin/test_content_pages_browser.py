"""Headless Chromium: an administrator signs in, checks a feed now, looks at subscribers, previews a subscriber's
digest in its sandboxed frame and sends a test to their own address (a real SMTP server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from admin.auth import create_editor
from service import db as database
from service.sites import site_by_slug
from tests.articles.feed_samples import item, rss
from tests.articles.feed_server import FeedServer
from tests.live import LiveServer, save_screenshot
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.smtp_sink import SmtpSink

PASSWORD = "correct horse battery"
SITE = "digest-clinic"

pytestmark = pytest.mark.browser


@pytest.fixture
def world(sqlite_app: Flask) -> Iterator[tuple[Flask, SmtpSink, FeedServer]]:
    """A clinic with recent articles, two subscribers, an admin, a feed on loopback and an SMTP server."""
    now = datetime.now(UTC)
    build_clinic(sqlite_app, now - timedelta(hours=3))
    ran = sqlite_app.test_cli_runner().invoke(args=["digests", "send", "--now", now.isoformat()])
    assert ran.exit_code == 0, ran.output  # a run with nobody due yet: a row in the runs table
    add_subscriber(sqlite_app, "back@example.org", ["Back Pain"], now)
    add_subscriber(sqlite_app, "allergy@example.org", ["Food Allergy"], now)
    with sqlite_app.app_context(), database.new_session() as db:
        create_editor(db, site_by_slug(db, SITE), "dana@digest-clinic.example", PASSWORD, "admin", "Dana Reyes")
        db.commit()
    with SmtpSink() as sink, FeedServer() as feeds:
        feeds.route(
            "/feed.xml", body=rss([item(1), item(2), item(3, link="javascript:alert(1)")], title="Clinic <b>news</b>")
        )
        sqlite_app.config.update(
            MAIL_BACKEND="smtp",
            SMTP_HOST=sink.host,
            SMTP_PORT=sink.port,
            SMTP_SECURITY="none",
            FEEDS_ALLOW_PRIVATE_HOSTS=True,
        )
        yield sqlite_app, sink, feeds


def test_admin_uses_the_feeds_subscribers_and_digests_pages(
    world: tuple[Flask, SmtpSink, FeedServer], live_server: LiveServer, page: Any
) -> None:
    app, sink, feeds = world
    base = live_server.url
    page.goto(f"{base}/admin/login")
    page.get_by_label("Email", exact=True).fill("dana@digest-clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Feeds").click()
    page.get_by_label("Feed URL").fill(feeds.url("/feed.xml"))
    page.get_by_role("button", name="Add feed").click()
    page.get_by_role("button", name="Check now").click()
    assert "3 entries seen, 2 created" in page.locator(".flash-success").inner_text()
    assert "unsupported link scheme" in page.locator(".rejections").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Clinic news"  # the feed's title, markup dropped
    nav.get_by_role("link", name="Feeds").click()
    assert page.locator(".feeds-table .status").first.inner_text() == "OK"
    save_screenshot(page, "admin-feeds", full_page=True)

    nav.get_by_role("link", name="Subscribers").click()
    assert page.locator(".stat").nth(1).inner_text().split() == ["2", "Confirmed"]
    page.get_by_label("Email").fill("back@")
    page.get_by_role("button", name="Search").click()
    assert page.locator("tbody th a").all_inner_texts() == ["back@example.org"]
    save_screenshot(page, "admin-subscribers", full_page=True)

    nav.get_by_role("link", name="Digests").click()
    assert page.get_by_role("heading", name="Schedule").is_visible()
    page.get_by_label("Subscriber number or email").fill("back@example.org")
    page.get_by_role("button", name="Show preview").click()
    frame = page.frame_locator("iframe.digest-preview")
    frame.get_by_text("Because you follow “Back Pain”").first.wait_for()
    assert "Food Allergy" not in frame.locator("body").inner_text()
    page.get_by_role("button", name="Send a test to dana@digest-clinic.example").click()
    assert page.locator(".flash-success").inner_text() == "Test digest sent to dana@digest-clinic.example."
    assert [m.rcpt_tos for m in sink.messages] == [["dana@digest-clinic.example"]]
    page.locator("iframe.digest-preview").scroll_into_view_if_needed()
    frame.get_by_text("Because you follow “Back Pain”").first.wait_for()
    save_screenshot(page, "admin-digests", full_page=True)
    assert page.evaluate("document.querySelector('iframe.digest-preview').sandbox.length") == 0
    assert len(page.locator(".runs-table tbody tr").all()) == 1

    page.set_viewport_size({"width": 375, "height": 812})
    for path in ("feeds", "feeds/1", "subscribers", "subscribers/1", "digests?subscriber=1"):
        page.goto(f"{base}/admin/{SITE}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    assert page.page_errors == []
