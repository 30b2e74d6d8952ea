"""The front page at ``/`` and the demo article page: what the service is, where to go, and the widget on a
page as a clinic would show it (the browser test loads the widget for real)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from articles import store
from articles.related import pending, updates
from articles.schemas import ArticleIn
from service import db as database
from service.sites import create_site
from tests.live import LiveServer, save_screenshot

SEED = [
    ("backpain", "Back Pain", "back pain spine muscles lifting exercise physical therapy"),
    ("sciatica", "Sciatica", "sciatica back pain nerve leg spine exercise"),
    ("neckpain", "Neck Pain", "neck pain spine muscles posture exercise"),
    ("sleep", "Sleep Disorders", "sleep insomnia bedtime routine"),
]


def _demo(app: Flask) -> None:
    with app.app_context(), database.new_session() as db:
        site = create_site(db, "demo", "Riverside Family Clinic (demo)", [])
        with updates.deferred(db, site):
            for slug, title, text in SEED:
                data = ArticleIn(
                    url=f"https://medlineplus.gov/{slug}.html", title=title, body_html=f"<p>{text}. {text}.</p>"
                )
                store.upsert_article(db, site, data, source="demo")
        db.commit()
        pending.drain_site_fully(db, site)


def test_the_front_page_says_what_this_is_and_where_to_go(app: Flask, client: FlaskClient) -> None:
    bare = client.get("/")
    assert bare.status_code == 200
    body = bare.get_data(as_text=True)
    assert "related reading" in body and 'href="/admin/"' in body
    assert "flask --app wsgi demo load" in body and "/demo/article" not in body
    assert client.get("/demo/article").status_code == 404

    _demo(app)
    body = client.get("/").get_data(as_text=True)
    assert 'href="/demo/article"' in body and 'href="/newsletter/demo"' in body
    assert client.get("/newsletter/demo").status_code == 200


def test_the_demo_article_page_embeds_the_widget_for_its_address(app: Flask, client: FlaskClient) -> None:
    _demo(app)
    page = client.get("/demo/article")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<h1>Back Pain</h1>" in body
    assert 'data-clinic-reads data-site="demo" data-url="https://medlineplus.gov/backpain.html"' in body
    assert '<script src="/widget.js" async></script>' in body
    other = client.get("/demo/article?id=2").get_data(as_text=True)
    assert "<h1>Sciatica</h1>" in other


@pytest.mark.browser
def test_the_widget_shows_related_reading_on_the_demo_article_page(
    sqlite_app: Flask, live_server: LiveServer, page: Any
) -> None:
    _demo(sqlite_app)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/")
        save_screenshot(page, f"front-page-{width}", full_page=True)
        page.get_by_role("link", name="A demo article page with the widget").click()
        page.wait_for_selector(".cr-ti")
        titles = page.locator(".cr-ti").all_inner_texts()
        assert "Sciatica" in titles and "Back Pain" not in titles
        save_screenshot(page, f"front-demo-article-{width}", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.page_errors == []
