"""The admin clicks page (daily chart, most-followed links, CSV export) and per-link counts on a related page."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from articles.widget.click_days import RelatedClickDay
from service import db as database
from service.db import utcnow
from tests.admin.conftest import Account, sign_in
from tests.articles.test_click_days import BROWSER
from tests.articles.test_widget_clicks import _path, set_click_counting
from tests.articles.widget_corpus import load_corpus, post_article, related, url_of
from tests.conftest import SiteWithKey


def follow(client: FlaskClient, link: str, reader: str) -> None:
    answer = client.get(_path(link), environ_base={"REMOTE_ADDR": reader}, headers={"User-Agent": BROWSER})
    assert answer.status_code == 302


def test_clicks_page_chart_top_links_and_csv(
    app: Flask, client: FlaskClient, editor_a: Account, site_a: SiteWithKey
) -> None:
    ids = load_corpus(client, site_a)
    formula = post_article(client, site_a, "formula", "=HYPERLINK(1) knee exercises", "Knee exercises.")["id"]
    set_click_counting(app, site_a, True)
    items = related(client, "clinic-a", url_of("knee-pain")).get_json()["items"]
    for reader in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        follow(client, items[1]["url"], reader)
    follow(client, items[0]["url"], "198.51.100.1")
    # an older day's clicks, as the per-day table holds them
    old_day = utcnow().date() - timedelta(days=10)
    with app.app_context(), database.new_session() as db:
        db.add(RelatedClickDay(site_id=site_a.site.id, from_id=ids["sleep"], to_id=formula, day=old_day, count=5))
        db.commit()

    sign_in(client, editor_a)
    body = html.unescape(client.get("/admin/clinic-a/clicks").get_data(as_text=True))
    assert "9 clicks from" in body
    bars = re.findall(r'<rect class="bar" [^>]*data-day="([^"]+)" data-count="(\d+)"', body)
    assert len(bars) == 30
    assert (utcnow().date().isoformat(), "4") in bars and (old_day.isoformat(), "5") in bars
    assert sum(int(count) for _, count in bars) == 9
    top = re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">(\d+)</td>', body)
    assert top[0][1] == "5" and top[1] == (items[1]["title"], "3") and top[2] == (items[0]["title"], "1")

    week = client.get("/admin/clinic-a/clicks?days=7").get_data(as_text=True)
    assert "4 clicks from" in week and len(re.findall(r'<rect class="bar"', week)) == 7

    export = client.get("/admin/clinic-a/clicks.csv?days=30")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0] == ["day", "from_id", "from_title", "to_id", "to_title", "clicks"]
    assert rows[1] == [
        old_day.isoformat(),
        str(ids["sleep"]),
        "Better Sleep Habits",
        str(formula),
        "'=HYPERLINK(1) knee exercises",
        "5",
    ]
    assert sorted(int(r[5]) for r in rows[1:]) == [1, 3, 5]

    related_page = client.get(f"/admin/clinic-a/articles/{ids['knee-pain']}/related").get_data(as_text=True)
    counts = re.findall(r'<td class="num clicks">(\d+)</td>', related_page)
    assert counts[:2] == ["1", "3"]


def test_clicks_page_without_counting_says_so(client: FlaskClient, editor_a: Account) -> None:
    sign_in(client, editor_a)
    body = html.unescape(client.get("/admin/clinic-a/clicks").get_data(as_text=True))
    assert "Click counting is off for this site" in body and "No clicks in this period." in body


def test_clicks_are_the_sites_own(client: FlaskClient, admin_b: Account, site_a: SiteWithKey) -> None:
    sign_in(client, admin_b)
    assert client.get("/admin/clinic-a/clicks").status_code == 403
    assert client.get("/admin/clinic-a/clicks.csv").status_code == 403
