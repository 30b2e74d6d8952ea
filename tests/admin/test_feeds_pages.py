"""The feeds pages: list with status, add, check now against a real HTTP feed, pause/resume, delete; hostile
feed data escaped; roles, site separation and CSRF. Through the test client on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from articles.feeds import sources
from articles.feeds.models import FeedSource
from articles.feeds.sources import FeedIn
from service import db as database
from service.sites import site_by_slug
from tests.admin.conftest import Account, csrf_token, post_form, sign_in
from tests.articles.feed_samples import item, rss
from tests.articles.feed_server import FeedServer
from tests.conftest import SiteWithKey

HOSTILE = '<script>alert("feed")</script>'


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def hostile_server() -> Iterator[str]:
    """An HTTP server whose every answer is a 502 with a script in its reason phrase."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(502, HOSTILE)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_ok(app: Flask) -> Flask:
    app.config["FEEDS_ALLOW_PRIVATE_HOSTS"] = True  # the test feeds are on loopback
    return app


def add_feed(app: Flask, slug: str, url: str) -> int:
    with app.app_context(), database.new_session() as db:
        feed = sources.add_feed(db, site_by_slug(db, slug), FeedIn(url=url), allow_private=True)
        db.commit()
        return feed.id


def stored(app: Flask, feed_id: int) -> FeedSource | None:
    with app.app_context(), database.new_session() as db:
        feed = db.get(FeedSource, feed_id)
        if feed is not None:
            db.expunge(feed)
        return feed


def test_editor_adds_a_feed_checks_it_and_sees_the_counts(
    client: FlaskClient, editor_a: Account, private_ok: Flask, feed_server: FeedServer
) -> None:
    entries = [item(1), item(2), item(3, link='javascript:alert("<b>x</b>")', guid="<i>guid-3</i>")]
    feed_server.route("/feed.xml", body=rss(entries, title=f"News {HOSTILE}"))
    sign_in(client, editor_a)
    added = post_form(client, "/admin/clinic-a/feeds", {"url": feed_server.url("/feed.xml"), "interval_minutes": "15"})
    assert added.status_code == 302
    feed_path = added.headers["Location"]
    feed_id = int(re.findall(r"/feeds/(\d+)$", feed_path)[0])
    assert stored(private_ok, feed_id).interval_minutes == 15

    polled = post_form(client, f"{feed_path}/poll", {}, token_from=feed_path)
    assert polled.status_code == 302
    body = client.get(feed_path).get_data(as_text=True)
    assert "Checked: 3 entries seen, 2 created, 0 updated, 0 unchanged, 0 skipped, 1 rejected." in body
    assert "unsupported link scheme" in body
    assert HOSTILE not in body and "&lt;script&gt;alert(&#34;feed&#34;)&lt;/script&gt;" in body  # the feed's title
    assert "<b>x</b>" not in body and "<i>guid-3</i>" not in body and "&lt;i&gt;guid-3&lt;/i&gt;" in body
    feed = stored(private_ok, feed_id)
    assert feed.last_status == "ok" and feed.last_counts["created"] == 2

    listing = client.get("/admin/clinic-a/feeds").get_data(as_text=True)
    assert f'href="/admin/clinic-a/feeds/{feed_id}"' in listing and ">OK<" in listing
    assert re.search(r"Created</span> 2</li>.*Rejected</span> 1</li>", listing, re.S)
    assert HOSTILE not in listing
    dashboard = client.get("/admin/clinic-a/").get_data(as_text=True)
    assert 'href="/admin/clinic-a/feeds"' in dashboard  # the dashboard's feed panel links here


def test_hostile_error_text_is_escaped(
    client: FlaskClient, editor_a: Account, private_ok: Flask, hostile_server: str
) -> None:
    feed_id = add_feed(private_ok, "clinic-a", hostile_server)
    sign_in(client, editor_a)
    path = f"/admin/clinic-a/feeds/{feed_id}"
    post_form(client, f"{path}/poll", {}, token_from=path)
    feed = stored(private_ok, feed_id)
    assert feed.last_status == "error" and HOSTILE in feed.last_error and feed.consecutive_failures == 1
    for page in (path, "/admin/clinic-a/feeds"):
        body = client.get(page).get_data(as_text=True)
        assert "<script>" not in body and "&lt;script&gt;alert(&#34;feed&#34;)&lt;/script&gt;" in body, page
        assert "Failing" in body and ("1 failure in a row" in body or "Failures in a row</dt><dd>1</dd>" in body)


def test_add_feed_validation(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    sign_in(client, editor_a)
    cases = [
        ({"url": "", "interval_minutes": "30"}, 422, "Enter the feed"),
        ({"url": "https://news.example/feed", "interval_minutes": "soon"}, 422, "Enter a number of minutes"),
        ({"url": "https://news.example/feed", "interval_minutes": "2"}, 422, "from 5 to 1440"),
        ({"url": "ftp://news.example/feed", "interval_minutes": "30"}, 422, "cannot be used"),
        ({"url": "http://127.0.0.1/feed", "interval_minutes": "30"}, 422, "private"),
    ]
    for data, status, message in cases:
        response = post_form(client, "/admin/clinic-a/feeds", data)
        body = response.get_data(as_text=True)
        assert response.status_code == status and message in body, (data, body[-2000:])
        assert 'class="error-summary"' in body
    assert (
        post_form(
            client, "/admin/clinic-a/feeds", {"url": "https://news.example/feed", "interval_minutes": "30"}
        ).status_code
        == 302
    )
    again = post_form(client, "/admin/clinic-a/feeds", {"url": "https://NEWS.example/feed", "interval_minutes": "30"})
    assert again.status_code == 409 and "already has this URL" in again.get_data(as_text=True)


def test_pause_resume_and_delete(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    feed_id = add_feed(app, "clinic-a", "https://news.example/feed")
    sign_in(client, editor_a)
    path = f"/admin/clinic-a/feeds/{feed_id}"
    post_form(client, f"{path}/pause", {}, token_from=path)
    assert stored(app, feed_id).paused is True
    body = client.get(path).get_data(as_text=True)
    assert "Feed paused" in body and ">Resume</button>" in body
    post_form(client, f"{path}/resume", {}, token_from=path)
    assert stored(app, feed_id).paused is False
    deleted = post_form(client, f"{path}/delete", {}, token_from=path)
    assert deleted.status_code == 302 and stored(app, feed_id) is None
    assert "No feeds yet" in client.get("/admin/clinic-a/feeds").get_data(as_text=True)
    assert client.get(path).status_code == 404


def test_another_sites_feeds_are_refused(
    client: FlaskClient, editor_a: Account, admin_b: Account, app: Flask, site_b: SiteWithKey
) -> None:
    feed_id = add_feed(app, "clinic-a", "https://news.example/feed")
    sign_in(client, admin_b)
    token = csrf_token(client.get("/admin/clinic-b/feeds").get_data(as_text=True))
    for path in ("/admin/clinic-a/feeds", f"/admin/clinic-a/feeds/{feed_id}", f"/admin/clinic-b/feeds/{feed_id}"):
        assert client.get(path).status_code == 403, path
    for action in ("pause", "delete", "poll"):
        for slug in ("clinic-a", "clinic-b"):
            response = client.post(f"/admin/{slug}/feeds/{feed_id}/{action}", data={"csrf_token": token})
            assert response.status_code == 403, (slug, action)
    feed = stored(app, feed_id)
    assert feed is not None and feed.paused is False and feed.last_polled_at is None


@pytest.mark.parametrize("action", ["", "/{id}/pause", "/{id}/resume", "/{id}/delete", "/{id}/poll"])
def test_every_feed_form_needs_its_csrf_token(client: FlaskClient, editor_a: Account, app: Flask, action: str) -> None:
    feed_id = add_feed(app, "clinic-a", "https://news.example/feed")
    sign_in(client, editor_a)
    path = "/admin/clinic-a/feeds" + action.format(id=feed_id)
    for data in (
        {"url": "https://news.example/other", "interval_minutes": "30"},
        {"url": "https://news.example/other", "interval_minutes": "30", "csrf_token": "forged"},
    ):
        response = client.post(path, data=data)
        assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    with app.app_context(), database.new_session() as db:
        feeds = sources.list_feeds(db, site_by_slug(db, "clinic-a"))
        assert [(f.id, f.paused, f.last_polled_at) for f in feeds] == [(feed_id, False, None)]
