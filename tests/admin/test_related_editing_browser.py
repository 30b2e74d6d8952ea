"""Related-links editing in headless Chromium: pin by title with type-ahead, reorder pins, the widget's cut-off
line, undo; the same without JavaScript; screenshots at desktop and phone width."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.admin.conftest import add_editor
from tests.admin.test_browser import PASSWORD, SEED, related_titles, sign_in, widget_titles
from tests.conftest import add_site, article_payload
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser
EXTRA = [
    ("knee-pain", "Knee pain", "knee pain exercise physical therapy walking stiffness"),
    ("knee-brace", "Knee braces", "knee brace support exercise walking injury"),
]


@pytest.fixture
def workbench(sqlite_app: Flask) -> Flask:
    """clinic-a's articles written through the API (so their related lists are current) and an editor."""
    site = add_site(sqlite_app, "clinic-a", name="Riverside Family Clinic", origins=["https://clinic-a.example"])
    client = sqlite_app.test_client()
    for slug, title, text in [*SEED, *EXTRA]:
        payload = article_payload(
            url=f"https://clinic-a.example/{slug}",
            title=title,
            body_html=f"<p>{text}. {text}.</p>",
            categories=["Joints"],
            tags=[slug.split("-")[0]],
        )
        assert client.post("/api/v1/articles", json=payload, headers=site.headers).status_code == 201
    add_editor(sqlite_app, "clinic-a", "dana@clinic-a.example", "editor", PASSWORD)
    return sqlite_app


def open_related(page: Any, base: str, title: str) -> None:
    page.goto(f"{base}/admin/clinic-a/articles?q={title}")
    page.get_by_role("link", name=title, exact=True).first.click()
    page.get_by_role("link", name="Related links").click()


def pin_titles(page: Any) -> list[str]:
    return page.locator(".pin-list li > span:first-child").all_inner_texts()


def test_pin_by_title_reorder_and_cutoff(workbench: Flask, live_server: LiveServer, page: Any) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "dana@clinic-a.example")
    open_related(page, base, "Knee pain")
    shown = related_titles(page)
    assert len(shown) > 4
    # the line sits after the 4th row: readers see the four above it
    assert page.locator("tr.cutoff").inner_text().startswith("The widget stops here: readers see the 4 links above")
    rows = page.locator(".related-table tbody tr")
    assert rows.nth(4).get_attribute("class") == "cutoff"
    assert "beyond-cutoff" in (rows.nth(5).get_attribute("class") or "")

    box = page.get_by_role("combobox", name="Article title")
    box.press_sequentially("slee", delay=40)
    page.wait_for_function("() => document.querySelectorAll('#pin-choices option').length > 0")
    assert page.locator("#pin-choices option").evaluate_all("os => os.map(o => o.value)") == ["Sleeping well"]
    box.fill("Sleeping well")  # the suggestion chosen
    page.get_by_role("button", name="Pin article").click()
    assert page.locator(".flash-success").inner_text() == "“Sleeping well” pinned."
    assert related_titles(page)[0] == "Sleeping well"

    box = page.get_by_role("combobox", name="Article title")
    box.press_sequentially("hip", delay=40)
    page.wait_for_function("() => document.querySelectorAll('#pin-choices option').length > 0")
    box.fill("Hip pain")
    page.get_by_role("button", name="Pin article").click()
    assert pin_titles(page) == ["Sleeping well", "Hip pain"]
    assert related_titles(page)[:2] == ["Sleeping well", "Hip pain"]

    page.get_by_role("button", name="Move Hip pain up").click()
    assert pin_titles(page) == ["Hip pain", "Sleeping well"]
    assert related_titles(page)[:2] == ["Hip pain", "Sleeping well"]
    assert page.locator(".related-table tbody tr").first.locator("td.reason").inner_text() == "Pinned by an editor"
    save_screenshot(page, "admin-related-pins-1280", full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "admin-related-pins-375", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    blocked = related_titles(page)[2]
    page.get_by_role("button", name=f"Block {blocked}", exact=True).click()
    assert blocked not in related_titles(page)
    page.locator(".undo-bar").get_by_role("button", name="Undo").click()
    assert blocked in related_titles(page)

    public = widget_titles(page, base, "https://clinic-a.example/knee-pain")
    assert public[:2] == ["Hip pain", "Sleeping well"] and len(public) == 4
    assert page.page_errors == []


def test_pin_by_title_without_javascript(workbench: Flask, live_server: LiveServer, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "dana@clinic-a.example")
    open_related(page, base, "Knee pain")
    page.get_by_label("Article title").fill("knee")
    page.get_by_role("button", name="Pin article").click()
    assert "Several articles match “knee”." in page.locator(".pin-choices").inner_text()
    save_screenshot(page, "admin-related-pin-choices-1280", full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "admin-related-pin-choices-375", full_page=True)
    page.locator(".pin-choices").get_by_role("button", name="Pin Knee braces").click()
    assert related_titles(page)[0] == "Knee braces"
    context.close()
