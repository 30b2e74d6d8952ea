"""Optional click counting: signed /r/ links count and redirect only to the target article's own address."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from articles.widget.clicks import make_token
from service import db as database
from service.sites import Site
from tests.articles.widget_corpus import load_corpus, post_article, related, url_of
from tests.conftest import SiteWithKey


def set_click_counting(app: Flask, site: SiteWithKey, on: bool) -> None:
    with app.app_context(), database.new_session() as db:
        row = db.get(Site, site.site.id)
        assert row is not None
        row.settings = {**(row.settings or {}), "click_counting": on}
        db.commit()


@pytest.fixture
def corpus(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> dict[str, int]:
    return load_corpus(client, site_a)


def _path(link: str) -> str:
    assert link.startswith("http://service.test/r/"), link
    return link.removeprefix("http://service.test")


def test_off_by_default_links_go_straight_to_articles(client: FlaskClient, corpus: dict[str, int]) -> None:
    items = related(client, "clinic-a", url_of("knee-pain")).get_json()["items"]
    assert all(item["url"].startswith("https://clinic-a.example/articles/") for item in items)


def test_counted_links_redirect_and_count(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]
) -> None:
    before = related(client, "clinic-a", url_of("knee-pain")).headers["ETag"]
    set_click_counting(app, site_a, True)
    response = related(client, "clinic-a", url_of("knee-pain"))
    assert response.headers["ETag"] != before
    items = response.get_json()["items"]
    html = client.get(f"/widget/clinic-a/related?url={url_of('knee-pain')}").get_data(as_text=True)
    assert all(f'href="{item["url"]}"' in html for item in items)
    first, second = items[0], items[1]
    for reader in ("198.51.100.1", "198.51.100.2"):  # one visitor's repeat within minutes counts once
        follow = client.get(_path(first["url"]), environ_base={"REMOTE_ADDR": reader})
        assert follow.status_code == 302
        assert follow.headers["Location"] == url_of({v: k for k, v in corpus.items()}[first["id"]])
        assert follow.headers["Cache-Control"] == "no-store"
    assert client.get(_path(second["url"])).status_code == 302

    own = client.get(f"/api/v1/articles/{corpus['knee-pain']}/clicks", headers=site_a.headers).get_json()
    assert own["click_counting"] is True
    assert [(e["article"]["id"], e["count"]) for e in own["outgoing"]] == [(first["id"], 2), (second["id"], 1)]
    assert own["outgoing"][0]["last_at"].endswith("Z") and own["incoming"] == []
    incoming = client.get(f"/api/v1/articles/{first['id']}/clicks", headers=site_a.headers).get_json()["incoming"]
    assert [(e["article"]["id"], e["count"]) for e in incoming] == [(corpus["knee-pain"], 2)]

    top = client.get("/api/v1/clicks?limit=1", headers=site_a.headers).get_json()
    assert top["total"] == 3
    assert [(p["from"]["id"], p["to"]["id"], p["count"]) for p in top["items"]] == [
        (corpus["knee-pain"], first["id"], 2)
    ]
    assert client.get("/api/v1/clicks?limit=0", headers=site_a.headers).status_code == 400
    assert client.get("/api/v1/clicks").status_code == 401


def test_other_sites_see_none_of_the_counts(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey, corpus: dict[str, int]
) -> None:
    set_click_counting(app, site_a, True)
    link = related(client, "clinic-a", url_of("sleep")).get_json()["items"][0]["url"]
    assert client.get(_path(link)).status_code == 302
    assert client.get("/api/v1/clicks", headers=site_b.headers).get_json() == {
        "click_counting": False,
        "total": 0,
        "items": [],
    }
    assert client.get(f"/api/v1/articles/{corpus['sleep']}/clicks", headers=site_b.headers).status_code == 403


def _count(client: FlaskClient, site: SiteWithKey) -> int:
    return int(client.get("/api/v1/clicks", headers=site.headers).get_json()["total"])


def test_bad_and_foreign_tokens_are_404_and_count_nothing(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey, corpus: dict[str, int]
) -> None:
    set_click_counting(app, site_a, True)
    set_click_counting(app, site_b, True)
    foreign = post_article(
        client, site_b, "elsewhere", "Somewhere Else", "Knee exercises elsewhere.", url="https://evil.example/phish"
    )["id"]
    good = _path(related(client, "clinic-a", url_of("sleep")).get_json()["items"][0]["url"])
    secret = app.config["SECRET_KEY"]
    a = site_a.site.id
    bad: list[Any] = [
        good[:-3] + ("xyz" if not good.endswith("xyz") else "abc"),  # tampered signature
        "/r/" + make_token("another-secret", a, corpus["sleep"], corpus["knee-pain"]),  # signed elsewhere
        "/r/" + make_token(secret, a, corpus["sleep"], foreign),  # target on another site
        "/r/" + make_token(secret, site_b.site.id, corpus["sleep"], foreign),  # source on another site
        "/r/" + make_token(secret, a, corpus["sleep"], 999999),  # no such article
        "/r/not-a-token",
    ]
    for path in bad:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "text/html" and "Location" not in response.headers
    retired = corpus["runners-knee"]
    client.delete(f"/api/v1/articles/{retired}", headers=site_a.headers)
    assert client.get("/r/" + make_token(secret, a, corpus["knee-pain"], retired)).status_code == 404
    assert _count(client, site_a) == 0 and _count(client, site_b) == 0
    assert client.get(good).status_code == 302 and _count(client, site_a) == 1
