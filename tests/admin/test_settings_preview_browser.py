"""The Site settings page's widget preview in headless Chromium: it fits every link the widget shows (the 4th
included), and any published article can be picked by searching its words, not only the first titles."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from admin.views import settings as settings_view
from articles import store
from articles.schemas import ArticleIn
from service import db as database
from service.sites import site_by_slug
from tests.admin.test_browser import clinic, sign_in  # noqa: F401  (fixture)
from tests.admin.test_settings_browser import _drain
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser


LONG_TITLES = [
    "Knee pain after running: what physical therapy exercise can do for joint stiffness and when to see us",
    "Walking again after knee replacement surgery: a week-by-week guide to exercise and physical therapy",
]


def _add_long_titled_articles(app: Flask) -> None:
    """Related links whose titles wrap over several lines, so four of them are taller than a fixed frame."""
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        for n, title in enumerate(LONG_TITLES):
            body = "<p>knee replacement surgery recovery physical therapy exercise walking joint pain.</p>"
            article = ArticleIn(url=f"https://clinic-a.example/long-{n}", title=title, body_html=body)
            store.upsert_article(db, site, article, source="api")
        db.commit()


def _all_items_visible(page: Any) -> tuple[int, list[float]]:
    """How many links the preview shows, and the bottom of each below the frame's own bottom (<= 0: visible);
    waits until the frame is as tall as its content (no cut-off, no empty space below)."""
    frame = page.frame_locator("iframe.widget-preview")
    items = frame.locator(".cr-ti")
    items.first.wait_for()
    page.wait_for_function(  # at most 5 s: a frame that never fits is the failure
        "() => { const f = document.querySelector('iframe.widget-preview');"
        " const d = f.contentDocument; if (!d || !d.body) return false;"
        " const content = d.body.getBoundingClientRect().bottom;"
        " return f.clientHeight >= content && f.clientHeight - content < 40; }",
        timeout=5000,
    )
    frame_height = page.evaluate("document.querySelector('iframe.widget-preview').clientHeight")
    bottoms = items.evaluate_all("els => els.map(e => e.getBoundingClientRect().bottom)")
    return len(bottoms), [bottom - frame_height for bottom in bottoms]


def test_the_preview_fits_its_links_and_picks_any_article_by_search(
    clinic: Flask,  # noqa: F811
    live_server: LiveServer,
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings_view, "PREVIEW_CHOICES", 2)  # the site has more articles than the list offers
    base = live_server.url
    _add_long_titled_articles(clinic)
    _drain(clinic)
    sign_in(page, base, "dana@clinic-a.example")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/admin/clinic-a/settings")
    offered = page.locator("#preview option").all_inner_texts()
    assert offered == ["Arthritis of the knee", "Hip pain"]
    page.select_option("#preview", label="Hip pain")
    with page.expect_navigation():
        page.get_by_role("button", name="Show preview").click()
    count, overflow = _all_items_visible(page)
    assert count == 4 and max(overflow) <= 0, "every link the widget shows is inside the preview"
    page.locator("iframe.widget-preview").scroll_into_view_if_needed()
    save_screenshot(page, "admin-settings-preview-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    count, overflow = _all_items_visible(page)
    assert count == 4 and max(overflow) <= 0, "long titles wrap at phone width, and the preview still fits them"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Find an article", exact=True).fill("insomnia")
    with page.expect_navigation():
        page.get_by_role("button", name="Find", exact=True).click()
    assert page.locator("#preview option").all_inner_texts() == ["Sleeping well"], "found by a word of its text"
    with page.expect_navigation():
        page.get_by_role("button", name="Show preview").click()
    assert "sleep" in (page.locator("iframe.widget-preview").get_attribute("src") or "")
    assert page.locator("#preview option:checked").inner_text() == "Sleeping well"

    page.get_by_label("Find an article", exact=True).fill("zebra crossing")
    with page.expect_navigation():
        page.get_by_role("button", name="Find", exact=True).click()
    assert "No published article matches “zebra crossing”." in page.inner_text("#preview-none")

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{base}/admin/clinic-a/settings?preview_q=knee")
    assert page.locator("#preview option").count() >= 2
    with page.expect_navigation():
        page.get_by_role("button", name="Show preview").click()
    count, overflow = _all_items_visible(page)
    assert count >= 3 and max(overflow) <= 0, "the preview fits at phone width too"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("iframe.widget-preview").scroll_into_view_if_needed()
    save_screenshot(page, "admin-settings-preview-375")
    assert page.page_errors == []
