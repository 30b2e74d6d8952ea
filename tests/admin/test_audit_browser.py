"""The audit log in headless Chromium: actions taken on the admin pages and through the API each show as an
entry with who did them; the kind filter; restoring an article's version; the page at 1280 and 375 px."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from articles.models import Article
from newsletter.models import Subscriber
from service import db as database
from service.auth import SCOPES, create_api_key
from service.sites import site_by_slug
from tests.admin.test_browser import clinic, sign_in  # noqa: F401  (fixture)
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser


def _ids(app: Flask) -> dict[str, int]:
    with app.app_context(), database.new_session() as db:
        return {title: article_id for article_id, title in db.execute(select(Article.id, Article.title))}


def _api_actions(app: Flask, ids: dict[str, int]) -> int:
    """Pins, blocks, a never-pair rule and an erasure through the editors' API, as a CMS would."""
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        plain = create_api_key(db, site, "Website CMS", SCOPES)[1]
        subscriber = Subscriber(site_id=site.id, email="reader@example.org", email_hash="e" * 64, status="confirmed")
        db.add(subscriber)
        db.commit()
        subscriber_id = subscriber.id
    client, headers = app.test_client(), {"Authorization": f"Bearer {plain}"}
    knee = ids["Knee replacement surgery"]
    assert (
        client.put(f"/api/v1/articles/{knee}/pins", json={"ids": [ids["Hip pain"]]}, headers=headers).status_code == 200
    )
    assert (
        client.put(f"/api/v1/articles/{knee}/blocks", json={"ids": [ids["Sleeping well"]]}, headers=headers).status_code
        == 200
    )
    assert (
        client.post("/api/v1/never-pairs", json={"tag_a": "knee", "tag_b": "sleep"}, headers=headers).status_code == 201
    )
    assert client.delete(f"/api/v1/subscribers/{subscriber_id}", headers=headers).status_code == 204
    return subscriber_id


def test_each_action_shows_in_the_audit_log_and_an_edit_can_be_undone(
    clinic: Flask,  # noqa: F811
    live_server: LiveServer,
    page: Any,
) -> None:
    base = live_server.url
    ids = _ids(clinic)
    subscriber_id = _api_actions(clinic, ids)
    sign_in(page, base, "dana@clinic-a.example")

    page.goto(f"{base}/admin/clinic-a/articles/{ids['Hip pain']}")
    page.get_by_label("Title").fill("Hip pain and how to ease it")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    page.goto(f"{base}/admin/clinic-a/settings")
    page.get_by_label("Articles per digest").fill("6")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    page.goto(f"{base}/admin/clinic-a/keys")
    page.get_by_label("What is the key for?").fill("Newsletter tool")
    with page.expect_navigation():
        page.get_by_role("button", name="Create key").click()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    rows = page.locator(".audit-table tbody tr").all_inner_texts()
    text = "\n".join(rows)
    dana, cms = "editor dana@clinic-a.example", "API key “Website CMS”"
    for who, what in [
        (dana, "Articles edited: “Hip pain and how to ease it”:"),
        (dana, "Settings changed: digest_max_items"),
        (dana, "API keys created: “Newsletter tool”, scopes content"),
        (cms, "Pins set: “Knee replacement surgery”: pins"),
        (cms, "Blocks set: “Knee replacement surgery”: blocks"),
        (cms, "Never-pair rules added: “knee” never beside “sleep”"),
        (cms, f"Erasures erased: subscriber {subscriber_id} and everything about them"),
    ]:
        assert any(who in row and what in row for row in rows), (who, what, text)
    assert "reader@example.org" not in text
    save_screenshot(page, "admin-audit-1280", full_page=True)

    page.get_by_label("Show").select_option(label="Pins")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert [row.split("\t")[2] for row in page.locator(".audit-table tbody tr").all_inner_texts()][0].startswith("Pins")
    assert page.locator(".audit-table tbody tr").count() == 1

    page.get_by_label("Show").select_option(label="Articles")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Restore the version before this").first.click()
    assert "“Hip pain” is back as it was before that change." in page.inner_text(".flashes")
    latest = page.locator(".audit-table tbody tr").first.inner_text()
    assert "Articles restored: “Hip pain”:" in latest and "title" in latest
    assert _ids(clinic).get("Hip pain") == ids["Hip pain"]

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{base}/admin/clinic-a/audit")
    save_screenshot(page, "admin-audit-375", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
