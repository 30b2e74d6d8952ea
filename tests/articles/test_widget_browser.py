"""The embed script in headless Chromium, on clinic pages served from other loopback origins than the API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from tests.articles.widget_corpus import CORPUS, load_corpus, post_article, url_of
from tests.conftest import add_site
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser


class PageServer:
    """A clinic's own website: static HTML pages on their own loopback port (so their own origin)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path.split("?")[0]
                body = pages.get(path)
                self.send_response(200 if body is not None else 404)
                kind = "image/svg+xml" if path.endswith(".svg") else "text/html; charset=utf-8"
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


THUMB = """<svg xmlns="http://www.w3.org/2000/svg" width="144" height="104" viewBox="0 0 144 104">
<rect width="144" height="104" fill="#cfe3f3"/><circle cx="52" cy="52" r="26" fill="#5b8fb9"/>
<rect x="70" y="30" width="50" height="44" rx="8" fill="#f2b880"/></svg>"""


def clinic_page(api: str, blocks: str, canonical: str = url_of("knee-pain"), spacer: str = "0") -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Knee pain | Clinic A</title>
<link rel="canonical" href="{canonical}">
<style>body{{font-family:Georgia,serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}}</style>
</head><body><main><h1>Knee Pain: Exercises That Help</h1>
<p>Gentle exercises strengthen the muscles around the knee.</p>
<button id="count" onclick="this.textContent=String(Number(this.textContent)+1)">0</button>
<div style="height:{spacer}"></div>{blocks}</main>
<script src="{api}/widget.js" async></script></body></html>"""


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def stranger() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def clinic(sqlite_app: Flask, pages: PageServer) -> dict[str, int]:
    site = add_site(sqlite_app, "clinic-a", origins=[pages.origin])
    client = sqlite_app.test_client()
    ids = load_corpus(client, site)
    ids["hostile"] = post_article(
        client,
        site,
        "knee-hostile",
        "<img src=x onerror=alert(1)>",
        "Knee exercises and quadriceps stretching for the knee joint.",
        "Bones and joints",
    )["id"]
    pages.pages["/thumb.svg"] = THUMB
    ids["taping"] = post_article(
        client,
        site,
        "knee-taping",
        "Taping a Sore Knee for Sport",
        "Kinesiology tape supports the knee joint and kneecap during knee exercises.",
        "Bones and joints",
        image=pages.origin + "/thumb.svg",
    )["id"]
    return ids


def expected_titles(app: Flask, page_url: str, limit: int) -> list[str]:
    answer = app.test_client().get(f"/api/v1/sites/clinic-a/related?url={page_url}&limit={limit}").get_json()
    return [item["title"] for item in answer["items"]]


def warnings(page: Any) -> list[str]:
    return [m.text for m in page.console_messages if m.type == "warning"]


def wait_until(page: Any, condition: Any, seconds: float = 10) -> None:
    """Let the page run until ``condition()`` holds (console messages arrive asynchronously)."""
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not met in time")


def block_titles(page: Any, selector: str = "[data-clinic-reads]") -> list[str]:
    return page.locator(f"{selector} .cr-ti").all_text_contents()


def test_block_renders_on_an_allowed_origin(
    sqlite_app: Flask, live_server: LiveServer, pages: PageServer, clinic: dict[str, int], page: Any
) -> None:
    dialogs: list[Any] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    pages.pages["/knee"] = clinic_page(
        live_server.url, '<div data-clinic-reads data-site="clinic-a" data-limit="6"></div>'
    )
    page.set_viewport_size({"width": 720, "height": 900})
    page.goto(pages.origin + "/knee")
    page.wait_for_selector("[data-clinic-reads] section.cr-w")
    expected = expected_titles(sqlite_app, url_of("knee-pain"), 6)
    assert block_titles(page) == expected
    assert "<img src=x onerror=alert(1)>" in expected  # shown as text, never as markup
    assert page.locator("[data-clinic-reads] img[src='x']").count() == 0
    heading = page.locator("[data-clinic-reads] h2")
    assert heading.text_content() == "You Might Also Enjoy"
    assert page.locator("section.cr-w").get_attribute("aria-labelledby") == heading.get_attribute("id")
    hrefs = page.locator("[data-clinic-reads] a").evaluate_all("links => links.map(a => a.href)")
    assert all(href.startswith("https://clinic-a.example/articles/") for href in hrefs)
    assert (
        page.locator("[data-clinic-reads] img").evaluate_all("imgs => imgs.map(i => i.alt)")
        == [""] * page.locator("[data-clinic-reads] img").count()
    )
    assert page.locator("#cr-style").count() == 1
    # the served thumbnail shows; unreachable ones are removed, never replaced by a letter tile
    page.wait_for_function("() => document.querySelectorAll('.cr-w img').length == 1")
    assert page.locator(".cr-w img").get_attribute("src").endswith("/thumb.svg")
    assert page.locator(".cr-w .cr-ph").count() == 0
    assert page.locator(".cr-w .cr-a").count() == len(expected)
    page.keyboard.press("Tab")  # the page's button
    page.keyboard.press("Tab")  # the first related link
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert page.evaluate("document.activeElement.className") == "cr-a" and outline != "none"
    page.wait_for_timeout(300)
    assert dialogs == [] and page.page_errors == [] and warnings(page) == []
    page.keyboard.press("Shift+Tab")
    save_screenshot(page, "widget-block", full_page=True)


def test_two_blocks_on_one_page(
    sqlite_app: Flask, live_server: LiveServer, pages: PageServer, clinic: dict[str, int], page: Any
) -> None:
    pages.pages["/two"] = clinic_page(
        live_server.url,
        f"""
        <div id="one" data-clinic-reads data-site="clinic-a"></div>
        <div id="two" data-clinic-reads data-site="clinic-a" data-limit="2"
             data-url="{url_of("blood-sugar")}"></div>""",
    )
    page.goto(pages.origin + "/two")
    page.wait_for_selector("#one section.cr-w")
    page.wait_for_selector("#two section.cr-w")
    assert block_titles(page, "#one") == expected_titles(sqlite_app, url_of("knee-pain"), 4)
    assert block_titles(page, "#two") == expected_titles(sqlite_app, url_of("blood-sugar"), 2)
    assert block_titles(page, "#two")[0] == CORPUS["type-2-diabetes"][0]
    ids = page.locator("section.cr-w h2").evaluate_all("hs => hs.map(h => h.id)")
    assert len(set(ids)) == 2 and page.locator("#cr-style").count() == 1
    assert page.page_errors == [] and warnings(page) == []


def test_origin_not_allowed_shows_nothing(
    live_server: LiveServer, stranger: PageServer, clinic: dict[str, int], page: Any
) -> None:
    stranger.pages["/copy"] = clinic_page(live_server.url, '<div data-clinic-reads data-site="clinic-a"></div>')
    page.goto(stranger.origin + "/copy")
    wait_until(page, lambda: warnings(page))
    page.wait_for_timeout(300)
    assert page.locator("section.cr-w").count() == 0
    assert len(warnings(page)) == 1 and "Clinic Reads" in warnings(page)[0]
    assert page.page_errors == []
    page.click("#count")
    assert page.text_content("#count") == "1"  # the clinic's own page still works


def test_unknown_article_and_api_down_show_nothing(
    sqlite_app: Flask, pages: PageServer, clinic: dict[str, int], page: Any
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    with LiveServer(sqlite_app) as api:
        pages.pages["/far"] = clinic_page(
            api.url,
            '<div id="late" data-clinic-reads data-site="clinic-a"></div>'
            f'<div id="none" data-clinic-reads data-site="clinic-a" '
            f'data-url="{url_of("not-an-article")}"></div>',
            spacer="5000px",
        )
        page.set_viewport_size({"width": 800, "height": 600})
        page.goto(pages.origin + "/far")
        page.wait_for_function("() => window.ClinicReads")
        page.wait_for_timeout(300)
        assert not [url for url in requests if "/api/v1/" in url]  # lazy: nothing fetched off screen
    # the service goes away before the reader scrolls down
    page.mouse.wheel(0, 6000)
    wait_until(page, lambda: len(warnings(page)) >= 2)
    page.wait_for_timeout(300)
    assert [url for url in requests if "/api/v1/" in url]
    assert page.locator("section.cr-w").count() == 0
    assert len(warnings(page)) == 2  # one per block
    assert page.page_errors == []
