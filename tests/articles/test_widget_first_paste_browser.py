"""The widget's first paste in headless Chromium: a page whose address is not an imported article URL, a host
alias that fixes it, the console warnings that name the fix, the cards layout and the text-only list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.articles.test_widget_browser import PageServer, block_titles, expected_titles, wait_until, warnings
from tests.articles.widget_corpus import load_corpus, url_of
from tests.conftest import add_site
from tests.live import LiveServer, save_screenshot

pytestmark = pytest.mark.browser


def plain_page(api: str, block: str, canonical: str = "") -> str:
    """A clinic page as a CMS serves it: its own address, maybe a canonical link, the pasted snippet."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Knee pain</title>{link}
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}</style></head>
<body><main><h1>Knee Pain: Exercises That Help</h1><p>Gentle exercises help.</p>{block}</main>
<script src="{api}/widget.js" async></script></body></html>"""


@pytest.fixture
def cms() -> Iterator[PageServer]:
    """The clinic's staging website: its pages' addresses are not the imported articles' addresses."""
    with PageServer() as server:
        yield server


@pytest.fixture
def clinic(sqlite_app: Flask, cms: PageServer) -> dict[str, Any]:
    site = add_site(sqlite_app, "clinic-a", origins=[cms.origin])
    ids = load_corpus(sqlite_app.test_client(), site)
    return {"site": site, "ids": ids}


def set_aliases(app: Flask, clinic: dict[str, Any], aliases: dict[str, str]) -> None:
    answer = app.test_client().patch(
        "/api/v1/site/settings", json={"host_aliases": aliases}, headers=clinic["site"].headers
    )
    assert answer.status_code == 200, answer.get_json()


def test_page_on_an_alias_host_shows_its_article_once_the_alias_is_set(
    sqlite_app: Flask, live_server: LiveServer, cms: PageServer, clinic: dict[str, Any], page: Any
) -> None:
    # the staging CMS serves the article at /articles/knee-pain on its own host, with no canonical link
    cms.pages["/articles/knee-pain"] = plain_page(live_server.url, '<div data-clinic-reads data-site="clinic-a"></div>')
    address = cms.origin + "/articles/knee-pain"
    page.goto(address)
    wait_until(page, lambda: warnings(page))
    (warning,) = warnings(page)
    assert f"the page address {address} is not the URL of a published article imported into Clinic Reads" in warning
    assert 'data-url="<the article\'s URL as imported>"' in warning and "host alias" in warning
    assert page.locator("section.cr-w").count() == 0

    set_aliases(sqlite_app, clinic, {cms.origin.split("://")[1]: "clinic-a.example"})
    page.console_messages.clear()
    page.goto(address)
    page.wait_for_selector("[data-clinic-reads] section.cr-w")
    assert block_titles(page) == expected_titles(sqlite_app, url_of("knee-pain"), 4)
    assert warnings(page) == [] and page.page_errors == []


def test_first_paste_on_an_origin_not_allowed_names_the_setting(
    live_server: LiveServer, clinic: dict[str, Any], page: Any
) -> None:
    with PageServer() as elsewhere:
        elsewhere.pages["/knee"] = plain_page(
            live_server.url, f'<div data-clinic-reads data-site="clinic-a" data-url="{url_of("knee-pain")}"></div>'
        )
        page.goto(elsewhere.origin + "/knee")
        wait_until(page, lambda: warnings(page))
        page.wait_for_timeout(300)
        (warning,) = warnings(page)
        assert f"this page's origin {elsewhere.origin} is not allowed for site 'clinic-a'" in warning
        assert f'Add {elsewhere.origin} to "Websites allowed to show the widget"' in warning
        assert "Site settings" in warning
        assert page.locator("section.cr-w").count() == 0


def test_first_paste_without_a_site_or_with_a_wrong_one(
    live_server: LiveServer, cms: PageServer, clinic: dict[str, Any], page: Any
) -> None:
    cms.pages["/no-site"] = plain_page(live_server.url, "<div data-clinic-reads></div>")
    page.goto(cms.origin + "/no-site")
    wait_until(page, lambda: warnings(page))
    assert warnings(page) == ["Clinic Reads: no related articles shown for site '': data-site is missing"]
    # an unknown site has no allowed origins, so the browser refuses its answer like any other
    cms.pages["/typo"] = plain_page(
        live_server.url, f'<div data-clinic-reads data-site="clinic-aa" data-url="{url_of("knee-pain")}"></div>'
    )
    page.console_messages.clear()
    page.goto(cms.origin + "/typo")
    wait_until(page, lambda: warnings(page))
    assert "check that data-site is the site's slug" in warnings(page)[0]


def test_cards_layout_heading_and_text_only_list(
    sqlite_app: Flask, live_server: LiveServer, cms: PageServer, clinic: dict[str, Any], page: Any
) -> None:
    cms.pages["/both"] = plain_page(
        live_server.url,
        f"""<div id="cards" data-clinic-reads data-site="clinic-a" data-layout="cards" data-limit="3"
             data-heading="More on knees" data-url="{url_of("knee-pain")}"></div>
        <div id="text" data-clinic-reads data-site="clinic-a" data-heading="Related reading" data-limit="1"
             data-url="{url_of("blood-sugar")}"></div>""",
    )
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(cms.origin + "/both")
        page.wait_for_selector("#cards section.cr-w")
        page.wait_for_selector("#text section.cr-w")
        assert page.locator("#cards h2").text_content() == "More on knees"
        assert page.locator("#text h2").text_content() == "Related reading"
        assert "cr-cards" in page.locator("#cards section").get_attribute("class")
        assert block_titles(page, "#cards") == expected_titles(sqlite_app, url_of("knee-pain"), 3)
        # the diabetes articles have no images: a compact text list, with nothing standing in for pictures
        assert "cr-text" in page.locator("#text section").get_attribute("class")
        assert page.locator("#text .cr-t").count() == 0 and page.locator("#text .cr-ph").count() == 0
        if width == 1280:  # the cards sit side by side in a grid
            tops = page.locator("#cards li").evaluate_all("lis => lis.map(li => li.getBoundingClientRect().top)")
            assert len(set(tops)) == 1 and len(tops) == 3
        save_screenshot(page, f"widget-cards-and-text-{width}", full_page=True)
    assert page.page_errors == []
