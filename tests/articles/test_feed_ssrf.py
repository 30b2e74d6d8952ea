"""Feeds cannot reach the server's own network: names that resolve there, redirects there and compatibility
forms of loopback addresses are refused before any request is sent (real loopback HTTP servers)."""

from __future__ import annotations

import socket

import pytest
from flask import Flask
from flask.testing import FlaskClient

from articles.feeds import fetch_feed
from articles.feeds.addresses import parse_networks
from tests.articles.feed_samples import item, rss
from tests.articles.feed_server import FeedServer
from tests.conftest import SiteWithKey


def loopback_name() -> str:
    """A host name (no literal address, not "localhost") that resolves to a loopback or private address."""
    for name in (socket.gethostname(), "ip6-localhost", "ip6-loopback", "localhost.localdomain"):
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, 0, socket.SOCK_STREAM)}
        except OSError:
            continue
        if addresses and all(a.startswith("127.") or a == "::1" for a in addresses):
            return name
    pytest.skip("no host name resolving to loopback on this machine")


@pytest.fixture
def public_server():
    """A server on 127.0.0.2, which the tests allow as if it were a public address."""
    with FeedServer(host="127.0.0.2") as server:
        yield server


ALLOWED = parse_networks("127.0.0.2/32")


def test_a_name_resolving_to_loopback_is_not_fetched(feed_server: FeedServer) -> None:
    name = loopback_name()
    feed_server.route("/f", body=rss([item(1)]))
    port = feed_server.base_url.rsplit(":", 1)[1]
    result = fetch_feed(f"http://{name}:{port}/f", timeout=5)
    assert result.status == "error" and "private" in (result.error or "") and result.content is None
    assert feed_server.requests == []


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/secret", "http://{name}:{port}/secret"])
def test_a_redirect_to_loopback_is_refused_before_it_is_requested(
    feed_server: FeedServer, public_server: FeedServer, target: str
) -> None:
    port = feed_server.base_url.rsplit(":", 1)[1]
    name = loopback_name() if "{name}" in target else ""
    feed_server.route("/secret", body=rss([item(1)]))
    public_server.route("/feed.xml", status=302, redirect_to=target.format(port=port, name=name))
    result = fetch_feed(public_server.url("/feed.xml"), timeout=5, allowed_networks=ALLOWED)
    assert result.status == "error" and "refused" in (result.error or "")
    assert len(public_server.requests_to("/feed.xml")) == 1
    assert feed_server.requests == []  # the loopback server never saw a request


def test_allowed_networks_do_not_open_other_private_addresses(feed_server: FeedServer) -> None:
    feed_server.route("/f", body=rss([item(1)]))
    result = fetch_feed(feed_server.url("/f"), timeout=5, allowed_networks=ALLOWED)
    assert result.status == "error" and feed_server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://１２７.０.０.１/feed.xml",
        "http://１２７．０．０．１/feed.xml",
        "http://127。0。0。1/feed.xml",
        "http://ｌｏｃａｌｈｏｓｔ/feed.xml",
        "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/feed.xml",
        "http://LOCALHOST./feed.xml",
        "http://[::ffff:127.0.0.1]/feed.xml",
        "http://100.64.0.1/feed.xml",
        "NAME",
    ],
)
def test_compatibility_forms_and_resolving_names_are_refused_when_added(
    client: FlaskClient, site_a: SiteWithKey, url: str
) -> None:
    if url == "NAME":
        url = f"http://{loopback_name()}/feed.xml"
    response = client.post("/api/v1/feeds", json={"url": url}, headers=site_a.headers)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "invalid_feed_url" and "refused" in error["fields"]["url"]
    assert client.get("/api/v1/feeds", headers=site_a.headers).json["items"] == []


def test_a_poll_that_is_redirected_to_loopback_imports_nothing(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, feed_server: FeedServer, public_server: FeedServer
) -> None:
    app.config.update(FEEDS_ALLOW_PRIVATE_HOSTS=False, FEEDS_ALLOWED_NETWORKS="127.0.0.2/32", FEEDS_FETCH_TIMEOUT=5)
    feed_server.route("/secret", body=rss([item(1)]))
    public_server.route("/feed.xml", status=301, redirect_to=feed_server.url("/secret"))
    added = client.post("/api/v1/feeds", json={"url": public_server.url("/feed.xml")}, headers=site_a.headers)
    assert added.status_code == 201, added.json
    poll = client.post(f"/api/v1/feeds/{added.json['id']}/poll", headers=site_a.headers).json
    assert poll["outcome"] == "error" and "refused" in poll["error"]
    shown = client.get(f"/api/v1/feeds/{added.json['id']}", headers=site_a.headers).json
    assert shown["url"] == public_server.url("/feed.xml")  # the permanent redirect was not stored
    assert client.get("/api/v1/articles", headers=site_a.headers).json["items"] == []
    assert feed_server.requests == []


def test_opml_outlines_in_compatibility_forms_are_invalid(client: FlaskClient, site_a: SiteWithKey) -> None:
    opml = (
        '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><body>'
        '<outline text="a" xmlUrl="http://１２７．０．０．１/feed.xml"/>'
        '<outline text="b" xmlUrl="http://ｌｏｃａｌｈｏｓｔ:8080/feed.xml"/>'
        "</body></opml>"
    ).encode()
    headers = {**site_a.headers, "Content-Type": "text/xml"}
    report = client.post("/api/v1/feeds/opml", data=opml, headers=headers).json
    assert report["counts"] == {"added": 0, "duplicate": 0, "invalid": 2}
    assert all("refused" in item["reason"] for item in report["items"])
    assert client.get("/api/v1/feeds", headers=site_a.headers).json["items"] == []
