"""A digest as a patient sees it: sent to the outbox by the real sending path, rendered in Chromium."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.live import ARTIFACTS, save_screenshot
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.test_digests import NOW


@pytest.mark.browser
def test_digest_email_renders_in_a_browser(sqlite_app: Flask, page: Any) -> None:
    sqlite_app.config["PUBLIC_BASE_URL"] = "https://service.test"
    build_clinic(sqlite_app, NOW - timedelta(hours=20))
    add_subscriber(sqlite_app, "back@example.org", ["Back Pain", "Food Hypersensitivity"], NOW)
    result = sqlite_app.test_cli_runner().invoke(args=["digests", "send", "--now", NOW.isoformat()])
    assert result.exit_code == 0 and '"sent": 1' in result.output, result.output

    [eml] = list(Path(sqlite_app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Because you follow “Back Pain”" in text and "Unsubscribe" in html
    assert "1 Main St, Springfield" in text and "1 Main St, Springfield" in html

    page.set_viewport_size({"width": 640, "height": 900})
    page.set_content(html)
    assert page.page_errors == []
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert any(link.startswith("https://medlineplus.gov/") for link in links)
    assert any("/unsubscribe/" in link for link in links)
    assert page.eval_on_selector_all("img:not([alt])", "els => els.length") == 0
    save_screenshot(page, "digest-email", full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "digest-email.txt").write_text(f"Subject: {message['Subject']}\n\n{text}", encoding="utf-8")
