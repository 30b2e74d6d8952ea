"""The "view in your browser" link of a digest, followed in Chromium on a phone-sized screen."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.live import LiveServer, save_screenshot
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.test_digests import NOW


@pytest.mark.browser
def test_the_web_version_link_opens_the_digest_at_375_px(sqlite_app: Flask, live_server: LiveServer, page: Any) -> None:
    build_clinic(sqlite_app, NOW - timedelta(hours=20))
    add_subscriber(sqlite_app, "back@example.org", ["Back Pain"], NOW)
    result = sqlite_app.test_cli_runner().invoke(args=["digests", "send", "--now", NOW.isoformat()])
    assert result.exit_code == 0 and '"sent": 1' in result.output, result.output
    [eml] = list(Path(sqlite_app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    html = message.get_body(("html",)).get_content()

    page.set_viewport_size({"width": 375, "height": 800})
    page.set_content(html)
    email_titles = page.eval_on_selector_all(".item-title a", "els => els.map(e => e.textContent.trim())")
    assert email_titles
    with page.expect_navigation():
        page.click("text=View this email in your browser")
    assert page.url.startswith(f"{live_server.url}/newsletter/digest-clinic/digest/")
    assert page.text_content("h1") == "Digest Clinic reading for 10 March 2026"
    page_titles = page.eval_on_selector_all("main h2 a", "els => els.map(e => e.textContent.trim())")
    assert page_titles == email_titles
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.page_errors == []
    save_screenshot(page, "digest-web-version", full_page=True)
