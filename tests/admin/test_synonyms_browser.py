"""Headless Chromium at 375 px: an editor adds a synonym on the Synonyms page, then the article search finds the
article it names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from admin.auth import create_editor
from service import db as database
from service.sites import site_by_slug
from tests.live import LiveServer
from tests.newsletter.digest_fixtures import build_clinic

PASSWORD = "correct horse battery"
SITE = "digest-clinic"

pytestmark = pytest.mark.browser


def test_an_editor_adds_a_synonym_on_a_phone_and_search_hears_it(
    sqlite_app: Flask, live_server: LiveServer, page: Any
) -> None:
    build_clinic(sqlite_app, datetime.now(UTC) - timedelta(hours=3))
    with sqlite_app.app_context(), database.new_session() as db:
        create_editor(db, site_by_slug(db, SITE), "sam@digest-clinic.example", PASSWORD, "editor", "Sam Lee")
        db.commit()
    page.set_viewport_size({"width": 375, "height": 800})
    base = live_server.url
    page.goto(f"{base}/admin/login")
    page.get_by_label("Email", exact=True).fill("sam@digest-clinic.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/admin/{SITE}/synonyms")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_label("Phrase readers use").fill("creaky ladder")
    page.get_by_label("What it means here").fill("Spinal Stenosis")
    page.get_by_role("button", name="Add synonym").click()
    assert "now means" in page.locator("body").inner_text()
    row = page.get_by_role("row", name="creaky ladder")
    assert "Spinal Stenosis" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{base}/admin/{SITE}/articles?q=creaky+ladder")
    assert page.get_by_role("link", name="Spinal Stenosis").first.is_visible()
    assert page.page_errors == []
