"""The clicks page in headless Chromium at desktop and phone width: the chart draws one bar per day and the
page never scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.admin.conftest import add_editor
from tests.admin.test_browser import PASSWORD, sign_in
from tests.articles.test_click_days import BROWSER
from tests.articles.test_widget_clicks import set_click_counting
from tests.articles.widget_corpus import load_corpus, related, url_of
from tests.conftest import add_site
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser


def test_clicks_page_at_two_widths(sqlite_app: Flask, live_server: LiveServer, page: Any) -> None:
    site = add_site(sqlite_app, "clinic-a", name="Riverside Family Clinic", origins=["https://clinic-a.example"])
    client = sqlite_app.test_client()
    load_corpus(client, site)
    add_editor(sqlite_app, "clinic-a", "dana@clinic-a.example", "editor", PASSWORD)
    set_click_counting(sqlite_app, site, True)
    items = related(client, "clinic-a", url_of("knee-pain")).get_json()["items"]
    for n, item in enumerate(items):
        for reader in range(n + 1):
            path = item["url"].split("/r/", 1)[1]
            client.get(
                f"/r/{path}", environ_base={"REMOTE_ADDR": f"198.51.100.{reader + 1}"}, headers={"User-Agent": BROWSER}
            )

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server.url, "dana@clinic-a.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clicks").click()
    assert page.get_by_role("heading", level=2).first.inner_text().startswith("10 clicks from")
    assert page.locator("svg.click-chart rect.bar").count() == 30
    last = page.locator("svg.click-chart rect.bar").last.bounding_box()
    assert last is not None and last["height"] > 50  # today's bar is the busiest
    save_screenshot(page, "admin-clicks-1280", full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "admin-clicks-375", full_page=True)
    assert page.page_errors == []
