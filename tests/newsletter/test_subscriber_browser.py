"""A person signs up, confirms and changes preferences in real Chromium at phone width (outbox mail)."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import add_site, article_payload
from tests.live import LiveServer, save_screenshot


def _outbox_text(app: Flask, seconds: float = 10) -> str:
    """The one email in the outbox; the server writes it after its answer has reached the page, so wait for it."""
    deadline = time.monotonic() + seconds
    while not (paths := sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) and time.monotonic() < deadline:
        time.sleep(0.05)
    [path] = paths
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return message.get_body(("plain",)).get_content()


@pytest.mark.browser
def test_sign_up_confirm_and_change_preferences_on_a_phone(
    sqlite_app: Flask, live_server: LiveServer, page: Any
) -> None:
    site = add_site(sqlite_app, "clinic-a", postal_address="1 Harbour Road", brand_colour="#5b2a86")
    api = sqlite_app.test_client()
    assert api.post("/api/v1/articles", json=article_payload(), headers=site.headers).status_code == 201
    page.set_viewport_size({"width": 375, "height": 800})

    page.goto(f"{live_server.url}/newsletter/clinic-a")
    page.get_by_label("Email address").fill("pat@example.com")
    page.get_by_label("Pain", exact=True).check()
    page.get_by_label("How often").select_option("daily")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    text = _outbox_text(sqlite_app)
    confirm_url = re.search(r"http://127\.0\.0\.1:\d+/newsletter/clinic-a/confirm/\S+", text).group(0)
    prefs_url = re.search(r"http://127\.0\.0\.1:\d+/newsletter/clinic-a/preferences/\S+", text).group(0)
    page.goto(confirm_url)
    page.get_by_role("button", name="Yes, confirm my subscription").click()
    page.get_by_role("heading", name="Thank you: you are subscribed").wait_for()

    page.goto(prefs_url)
    assert page.get_by_label("Pain", exact=True).is_checked()
    page.get_by_label("exercise").check()
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Time", exact=True).select_option("7")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Save my preferences").click()
    page.get_by_role("status").filter(has_text="Your preferences are saved").wait_for()
    assert page.get_by_label("Time zone").input_value() == "Europe/Berlin"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, "newsletter-preferences-phone", full_page=True)
    assert page.page_errors == []

    listed = api.get("/api/v1/subscribers", headers=site.headers).get_json()["items"]
    assert [(s["status"], s["topics"], s["hour"], s["frequency"]) for s in listed] == [
        ("confirmed", ["exercise", "Pain"], 7, "daily")
    ]
