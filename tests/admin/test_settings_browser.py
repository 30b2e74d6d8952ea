"""An administrator changes list-shaping settings in headless Chromium and sees the related list change
once the worker has recomputed it; the settings page at desktop and phone width."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from articles.models import Article
from articles.related import pending
from service import db as database
from tests.admin.test_browser import clinic, related_titles, sign_in  # noqa: F401  (fixture)
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser


def _drain(app: Flask) -> None:
    """What the related-lists worker process does, run here so the test knows when it is done."""
    with app.app_context(), database.new_session() as db:
        pending.drain(db, budget_seconds=120)


def _article_id(app: Flask, title: str) -> int:
    with app.app_context(), database.new_session() as db:
        return int(db.scalar(select(Article.id).where(Article.title == title)))


def test_a_higher_minimum_score_visibly_shortens_a_related_list(
    clinic: Flask,  # noqa: F811
    live_server: LiveServer,
    page: Any,
) -> None:
    base = live_server.url
    _drain(clinic)
    sign_in(page, base, "dana@clinic-a.example")
    related = f"{base}/admin/clinic-a/articles/{_article_id(clinic, 'Knee replacement surgery')}/related"
    page.goto(related)
    before = related_titles(page)
    assert len(before) >= 3

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/admin/clinic-a/settings")
    save_screenshot(page, "admin-settings-1280", full_page=True)
    page.get_by_label("When an article has no related links, show the latest articles instead").uncheck()
    page.get_by_label("Lowest similarity shown").fill("0.3")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    assert "Related lists are being updated in the background." in page.inner_text(".flashes")
    assert "Related lists are updating: 5 articles still to do." in page.inner_text("#lists-state")
    save_screenshot(page, "admin-settings-updating-1280", full_page=True)
    page.goto(related)
    assert related_titles(page) == before, "the list changes only when the worker has recomputed it"

    _drain(clinic)
    page.goto(f"{base}/admin/clinic-a/settings")
    assert "up to date" in page.inner_text("#lists-state")
    page.goto(related)
    after = related_titles(page)
    assert len(after) < len(before) and set(after) <= set(before)
    save_screenshot(page, "admin-related-after-min-score-1280", full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{base}/admin/clinic-a/settings")
    save_screenshot(page, "admin-settings-375", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_trying_field_weights_shows_a_before_and_after(
    clinic: Flask,  # noqa: F811
    live_server: LiveServer,
    page: Any,
) -> None:
    base = live_server.url
    _drain(clinic)
    sign_in(page, base, "dana@clinic-a.example")
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/admin/clinic-a/settings")
        page.get_by_label("Article", exact=True).select_option(label="Running injuries")
        page.locator("#try_title").fill("1")
        page.locator("#try_body").fill("10")
        with page.expect_navigation():
            page.get_by_role("button", name="Compare").click()
        before = page.locator(".trial-before li").all_inner_texts()
        after = page.locator(".trial-after li").all_inner_texts()
        assert before and after and before != after
        save_screenshot(page, f"admin-settings-try-weights-{width}", full_page=True)
        page.goto(f"{base}/admin/clinic-a/")
        assert "Times are in UTC" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        save_screenshot(page, f"admin-dashboard-{width}", full_page=True)


def test_bad_settings_show_plain_messages_beside_their_fields(
    clinic: Flask,  # noqa: F811
    live_server: LiveServer,
    page: Any,
) -> None:
    base = live_server.url
    sign_in(page, base, "dana@clinic-a.example")
    page.goto(f"{base}/admin/clinic-a/settings")
    page.get_by_label("Lowest similarity shown").fill("high")
    page.locator("#weight_title").fill("0.5")
    page.get_by_label("Articles per digest").fill("100")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    summary = page.inner_text(".error-summary")
    assert "Enter a number from 0 to 1, e.g. 0.05." in summary
    assert "The title weight is 0 (left out) or at least 1: it multiplies word counts." in summary
    assert "Enter a whole number from 1 to 20." in summary
    assert "should" not in summary
    page.set_viewport_size({"width": 375, "height": 812})
    save_screenshot(page, "admin-settings-errors-375", full_page=True)
