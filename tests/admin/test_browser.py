"""An editor does the whole job in headless Chromium: sign in, add an article, see its related links,
pin one (first in the public widget), block one (gone); plus refusals, keyboard use and phone width."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from admin.auth import create_editor
from articles import store
from articles.related import updates
from articles.schemas import ArticleIn
from service import db as database
from service.sites import create_site
from tests.live import LiveServer, save_screenshot

PASSWORD = "correct horse battery"
SEED = [
    ("knee-surgery", "Knee replacement surgery", "knee replacement surgery recovery physical therapy exercise"),
    ("knee-arthritis", "Arthritis of the knee", "knee arthritis pain joint stiffness exercise walking"),
    ("hip-pain", "Hip pain", "hip pain joint exercise physical therapy walking"),
    ("running", "Running injuries", "running knee injury sports exercise physical therapy"),
    ("sleep", "Sleeping well", "sleep insomnia bedtime routine"),
]

pytestmark = pytest.mark.browser


@pytest.fixture
def clinic(sqlite_app: Flask) -> Flask:
    """Two sites, an admin of clinic-a, an admin of clinic-b, and clinic-a's published articles."""
    with sqlite_app.app_context(), database.new_session() as db:
        site = create_site(db, "clinic-a", "Riverside Family Clinic", ["https://clinic-a.example"])
        other = create_site(db, "clinic-b", "Hillside Clinic")
        create_editor(db, site, "dana@clinic-a.example", PASSWORD, "admin", "Dana Reyes")
        create_editor(db, other, "sam@clinic-b.example", PASSWORD, "admin")
        with updates.deferred(db, site):
            for slug, title, text in SEED:
                store.upsert_article(
                    db,
                    site,
                    ArticleIn(
                        url=f"https://clinic-a.example/{slug}",
                        title=title,
                        body_html=f"<p>{text}. {text}.</p>",
                        categories=["Joints"],
                        tags=[slug.split("-")[0]],
                    ),
                    source="api",
                )
        db.commit()
    return sqlite_app


def sign_in(page: Any, base: str, email: str, password: str = PASSWORD) -> Any:
    page.goto(f"{base}/admin/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return page


def related_titles(page: Any) -> list[str]:
    return page.locator(".related-table tbody th a").all_inner_texts()


def widget_titles(page: Any, base: str, url: str) -> list[str]:
    page.goto(f"{base}/widget/clinic-a/related?url={quote(url, safe='')}")
    return page.locator(".cr-ti").all_inner_texts()


def test_editor_adds_an_article_pins_and_blocks_related_links(
    clinic: Flask, live_server: LiveServer, page: Any
) -> None:
    base = live_server.url
    page.goto(f"{base}/admin/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    sign_in(page, base, "dana@clinic-a.example")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert page.locator(".stat-number").first.inner_text() == "5"
    save_screenshot(page, "admin-dashboard", full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Articles").click()
    page.get_by_role("link", name="Add an article").first.click()
    page.get_by_role("button", name="Add article").click()  # empty: errors first
    summary = page.locator(".error-summary")
    assert summary.is_visible() and page.evaluate("document.activeElement.className") == "error-summary"
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "title"
    page.get_by_label("Title").fill("Knee pain: exercises that help")
    page.get_by_label("Address (URL) on your website").fill("https://clinic-a.example/knee-pain")
    page.get_by_label("Body (HTML)").fill(
        "<p>Knee pain often improves with exercise and physical therapy: "
        "strengthening, stretching and walking.</p><script>alert(1)</script>"
    )
    page.get_by_label("Tags").fill("knee, exercise")
    page.get_by_label("Categories").fill("Joints")
    page.get_by_role("button", name="Preview body").click()
    assert page.locator(".preview .article-body").inner_html() == (
        "<p>Knee pain often improves with exercise and physical therapy: strengthening, stretching and walking.</p>"
    )
    page.get_by_role("button", name="Add article").click()
    assert "added." in page.locator(".flash-success").inner_text()
    save_screenshot(page, "admin-article", full_page=True)

    page.get_by_role("link", name="Related links").click()
    titles = related_titles(page)
    assert len(titles) >= 4 and titles[0] in ("Knee replacement surgery", "Arthritis of the knee", "Running injuries")
    article_url = "https://clinic-a.example/knee-pain"
    pick = titles[-1]
    page.get_by_role("button", name=f"Pin {pick}", exact=True).click()
    assert related_titles(page)[0] == pick and page.locator(".flash-success").inner_text() == f"“{pick}” pinned."
    save_screenshot(page, "admin-related", full_page=True)

    blocked = related_titles(page)[1]
    page.get_by_role("button", name=f"Block {blocked}", exact=True).click()
    assert blocked not in related_titles(page)
    assert page.get_by_role("button", name=f"Unblock {blocked}").is_visible()

    public = widget_titles(page, base, article_url)
    assert public[0] == pick and blocked not in public  # readers see the pin first and never the block
    assert page.page_errors == []


def test_refusals_in_the_browser(clinic: Flask, live_server: LiveServer, page: Any) -> None:
    base = live_server.url
    sign_in(page, base, "dana@clinic-a.example", "wrong password!")
    assert page.get_by_text("The email address or password is not right.").first.is_visible()
    assert page.url.endswith("/admin/login")

    sign_in(page, base, "dana@clinic-a.example")
    assert page.goto(f"{base}/admin/clinic-b/").status == 403
    assert page.goto(f"{base}/admin/clinic-b/articles").status == 403

    page.goto(f"{base}/admin/clinic-a/articles/new")
    page.get_by_label("Title").fill("Forged")
    page.evaluate("document.querySelector('form.article-form input[name=csrf_token]').remove()")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Add article").click()
    assert navigation.value.status == 400

    stranger = page.context.browser.new_context().new_page()  # no session
    for _ in range(5):
        sign_in(stranger, base, "sam@clinic-b.example", "not the password")
    locked = sign_in(stranger, base, "sam@clinic-b.example")
    assert "Try again in 1 minute." in locked.locator("main").inner_text()
    assert locked.get_by_role("heading", level=1).inner_text() == "Too many sign-in attempts"
    stranger.context.close()


def test_pages_fit_a_phone(clinic: Flask, live_server: LiveServer, page: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server.url, "dana@clinic-a.example")
    for path, name in (
        ("/admin/clinic-a/", "admin-dashboard-375"),
        ("/admin/clinic-a/articles", None),
        ("/admin/clinic-a/articles/1", "admin-article-375"),
        ("/admin/clinic-a/articles/1/related", None),
        ("/admin/clinic-a/settings", "admin-settings-375"),
        ("/admin/clinic-a/keys", None),
    ):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 375, (path, overflow)
        if name:
            save_screenshot(page, name, full_page=True)
    assert page.page_errors == []
