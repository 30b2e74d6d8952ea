"""Bulk retire in headless Chromium: tick articles, confirm, and they leave the widget; list screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.admin.conftest import add_editor
from tests.admin.test_browser import PASSWORD, sign_in
from tests.articles.widget_corpus import load_corpus, related, url_of
from tests.conftest import add_site
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser


def test_bulk_retire(sqlite_app: Flask, live_server: LiveServer, page: Any) -> None:
    site = add_site(sqlite_app, "clinic-a", name="Riverside Family Clinic", origins=["https://clinic-a.example"])
    client = sqlite_app.test_client()
    load_corpus(client, site)
    add_editor(sqlite_app, "clinic-a", "dana@clinic-a.example", "editor", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server.url, "dana@clinic-a.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Articles").click()
    page.get_by_label("Search", exact=True).fill("knee")
    page.get_by_role("button", name="Search").click()
    save_screenshot(page, "admin-articles-1280", full_page=True)
    page.get_by_label("Choose Recovering After Knee Replacement").check()
    page.get_by_label("Choose Runner's Knee and Kneecap Pain").check()
    page.get_by_label("With the ticked articles").select_option("retire")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Retire: 2 articles"
    save_screenshot(page, "admin-articles-bulk-confirm-1280", full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "admin-articles-bulk-confirm-375", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert related(client, "clinic-a", url_of("runners-knee")).status_code == 200  # nothing yet
    page.get_by_role("button", name="Retire (2)").click()
    assert page.locator(".flash-success").inner_text() == "Retire: 2 of 2 articles changed."
    assert page.locator(".status-retired").count() == 2
    assert related(client, "clinic-a", url_of("runners-knee")).status_code == 404
    assert related(client, "clinic-a", url_of("knee-replacement")).status_code == 404

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "admin-articles-375", full_page=True)
    assert page.page_errors == []
