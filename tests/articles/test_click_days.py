"""Clicks stored per day, counted only for GETs from browsers (known robots and HEAD lead on uncounted)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from articles.widget.click_days import RelatedClickDay
from service import db as database
from service.db import utcnow
from tests.articles.test_widget_clicks import _path, set_click_counting
from tests.articles.widget_corpus import load_corpus, related, url_of
from tests.conftest import SiteWithKey

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
ROBOTS = [
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
    "",
]


def day_rows(app: Flask) -> list[tuple[int, int, date, int]]:
    with app.app_context(), database.new_session() as db:
        rows = db.execute(
            select(RelatedClickDay.from_id, RelatedClickDay.to_id, RelatedClickDay.day, RelatedClickDay.count)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture
def counted(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> tuple[dict[str, int], list[dict]]:
    ids = load_corpus(client, site_a)
    set_click_counting(app, site_a, True)
    return ids, related(client, "clinic-a", url_of("knee-pain")).get_json()["items"]


def test_browser_clicks_are_stored_per_day(
    app: Flask, client: FlaskClient, counted: tuple[dict[str, int], list[dict]]
) -> None:
    ids, items = counted
    for reader in ("198.51.100.1", "198.51.100.2", "198.51.100.2"):  # the repeat within minutes counts once
        answer = client.get(
            _path(items[0]["url"]), environ_base={"REMOTE_ADDR": reader}, headers={"User-Agent": BROWSER}
        )
        assert answer.status_code == 302
    client.get(_path(items[1]["url"]), headers={"User-Agent": BROWSER})
    today = utcnow().date()
    assert sorted(day_rows(app)) == sorted(
        [(ids["knee-pain"], items[0]["id"], today, 2), (ids["knee-pain"], items[1]["id"], today, 1)]
    )


@pytest.mark.parametrize("agent", ROBOTS)
def test_robots_and_head_lead_on_uncounted(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, counted: tuple[dict[str, int], list[dict]], agent: str
) -> None:
    _, items = counted
    answer = client.get(_path(items[0]["url"]), headers={"User-Agent": agent})
    assert answer.status_code == 302  # the robot is still led to the article
    assert client.head(_path(items[0]["url"]), headers={"User-Agent": BROWSER}).status_code == 302
    assert day_rows(app) == []
    totals = client.get("/api/v1/clicks", headers=site_a.headers).get_json()
    assert totals["total"] == 0
