"""Signing up for the demo clinic in headless Chromium at 375 px: search suggestions, the detected time zone, no
horizontal scrolling, and the form without JavaScript.

The whole journey to a first digest is in test_patient_journey_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from newsletter.models import Subscriber
from newsletter.subscriptions import token_for
from service import db as database
from tests.conftest import make_test_app
from tests.live import LiveServer, save_screenshot
from tests.newsletter.demo_clinic import copy_of

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def demo_server(demo_database: Path, tmp_path: Path) -> Iterator[tuple[Flask, LiveServer]]:
    app = make_test_app(copy_of(demo_database, tmp_path), tmp_path / "var")
    with LiveServer(app) as server:
        app.config["PUBLIC_BASE_URL"] = server.url
        yield app, server
    app.extensions["db_engine"].dispose()


def subscriber(app: Flask, email: str) -> tuple[Subscriber, str]:
    with app.app_context(), database.new_session() as db:
        row = db.scalar(select(Subscriber).where(Subscriber.email == email))
        assert row is not None
        _ = row.topics
        return row, token_for(row, "preferences", app.config["SECRET_KEY"])


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_reader_finds_topics_by_typing_and_their_time_zone_is_detected(
    demo_server: tuple[Flask, LiveServer], browser: Any
) -> None:
    app, server = demo_server
    context = browser.new_context(viewport=PHONE, timezone_id="America/Chicago")
    page = context.new_page()
    errors: list[Any] = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(f"{server.url}/newsletter/demo")
    assert no_horizontal_scroll(page)
    page.get_by_label("Email address").fill("pat@example.com")
    page.get_by_label("Search topics and articles").fill("neck")
    page.get_by_role("option", name="Topic: Back and neck pain").click()
    assert page.get_by_role("checkbox", name="Back and neck pain").is_checked()
    page.get_by_label("Search topics and articles").fill("insom")
    page.get_by_role("option", name="Article: Insomnia").click()
    assert page.get_by_label("Anything else you would like to read about? (optional)").input_value() == "Insomnia"
    page.get_by_role("checkbox", name="Sleep").check()
    page.get_by_label("How often").select_option("weekly")
    page.get_by_label("Day").select_option(label="Friday")
    page.get_by_label("Time", exact=True).select_option("7")
    page.get_by_text("Times are in America/Chicago time").wait_for()
    save_screenshot(page, "newsletter-signup-demo-phone", full_page=True)
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    row, token = subscriber(app, "pat@example.com")
    assert (row.topics, row.interest_text) == (["Back and neck pain", "Sleep"], "Insomnia")
    assert (row.frequency, row.weekday, row.hour, row.time_zone) == ("weekly", 4, 7, "America/Chicago")

    page.goto(f"{server.url}/newsletter/demo/preferences/{token}")
    assert no_horizontal_scroll(page)
    boxes = page.get_by_role("checkbox")
    assert boxes.nth(0).is_checked() and boxes.nth(1).is_checked() and not boxes.nth(2).is_checked()
    save_screenshot(page, "newsletter-preferences-demo-phone", full_page=True)
    assert errors == []
    context.close()


def test_without_javascript_the_form_still_signs_up_with_the_sites_time_zone(
    demo_server: tuple[Flask, LiveServer], browser: Any
) -> None:
    app, server = demo_server
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(f"{server.url}/newsletter/demo")
    assert no_horizontal_scroll(page)
    assert not page.get_by_label("Search topics and articles").is_visible()
    page.get_by_label("Email address").fill("sam@example.com")
    page.get_by_role("checkbox", name="Heart health").check()
    page.get_by_label("Anything else you would like to read about? (optional)").fill("pinched nerve")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    row, token = subscriber(app, "sam@example.com")
    assert (row.topics, row.interest_text, row.time_zone) == (["Heart health"], "pinched nerve", "UTC")

    page.goto(f"{server.url}/newsletter/demo/preferences/{token}")
    assert no_horizontal_scroll(page)
    page.get_by_role("checkbox", name="Sleep").check()
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_role("button", name="Save my preferences").click()
    page.get_by_role("status").filter(has_text="Your preferences are saved").wait_for()
    row, _ = subscriber(app, "sam@example.com")
    assert (row.topics, row.time_zone) == (["Heart health", "Sleep"], "Europe/Berlin")
    context.close()
