"""The admin Widget page in headless Chromium: an administrator tests a staging page address, follows the
suggested fix (a host alias) and sees the list readers would get; screenshots at desktop and phone width."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from admin.auth import create_editor
from service import db as database
from service.sites import site_by_slug
from tests.admin.test_browser import PASSWORD, sign_in
from tests.articles.widget_corpus import load_corpus, related, url_of
from tests.conftest import add_site
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser
STAGING = "https://staging.clinic-a.example/articles/knee-pain"


@pytest.fixture
def clinic(sqlite_app: Flask) -> Flask:
    site = add_site(sqlite_app, "clinic-a", name="Riverside Family Clinic", origins=["https://clinic-a.example"])
    load_corpus(sqlite_app.test_client(), site)
    with sqlite_app.app_context(), database.new_session() as db:
        create_editor(db, site_by_slug(db, "clinic-a"), "dana@clinic-a.example", PASSWORD, "admin", "Dana Reyes")
        db.commit()
    return sqlite_app


def test_url_tester_and_host_alias(clinic: Flask, live_server: LiveServer, page: Any) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "dana@clinic-a.example")
    page.get_by_role("link", name="Widget", exact=True).click()
    page.wait_for_selector("h1:has-text('Widget')")
    save_screenshot(page, "admin-widget-1280", full_page=True)

    page.get_by_label("Page address", exact=True).fill(STAGING)
    with page.expect_navigation():
        page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator("#check-result")
    assert "No article of this site has this address" in result.inner_text()
    assert "add the host alias “staging.clinic-a.example = clinic-a.example”" in result.inner_text()
    save_screenshot(page, "admin-widget-not-found-1280", full_page=True)

    page.get_by_role("textbox", name="Host aliases").fill("staging.clinic-a.example = clinic-a.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Save widget options").click()
    assert "Widget options saved." in page.locator(".flashes").inner_text()

    page.get_by_label("Page address", exact=True).fill(STAGING)
    with page.expect_navigation():
        page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator("#check-result")
    assert "through a host alias" in result.inner_text()
    expected = [
        item["title"] for item in related(clinic.test_client(), "clinic-a", url_of("knee-pain")).get_json()["items"]
    ]
    assert result.locator(".check-items li a").all_inner_texts() == expected
    save_screenshot(page, "admin-widget-found-1280", full_page=True)

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at phone width ({width}px)"
    save_screenshot(page, "admin-widget-found-375", full_page=True)
    page.get_by_label("Page address", exact=True).fill("https://clinic-a.example/articles/nothing-here")
    with page.expect_navigation():
        page.get_by_role("button", name="Test", exact=True).click()
    assert "No article of this site has this address" in page.locator("#check-result").inner_text()
    save_screenshot(page, "admin-widget-not-found-375", full_page=True)
    assert page.page_errors == []
