"""fetch_feed against a real loopback HTTP server (tests/articles/feed_server.py)."""

import socket
import time
from datetime import UTC, datetime

import pytest

from articles.feeds import DEFAULT_USER_AGENT, fetch_feed, parse_feed
from articles.feeds.fetch import MAX_REDIRECTS

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Clinic news</title>
<item><title>Flu shots are here</title><link>/articles/flu</link></item>
</channel></rss>"""
LAST_MODIFIED = "Wed, 21 Oct 2026 07:28:00 GMT"


def test_ok_returns_body_and_metadata(feed_server):
    feed_server.route("/feed.xml", body=RSS, etag='"v1"', last_modified=LAST_MODIFIED)
    result = fetch_feed(feed_server.url("/feed.xml"), allow_private=True)
    assert result.status == "ok"
    assert result.http_status == 200
    assert result.content == RSS
    assert result.final_url == feed_server.url("/feed.xml")
    assert result.permanent_redirect_url is None
    assert result.etag == '"v1"'
    assert result.last_modified == LAST_MODIFIED
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.error is None
    (headers,) = feed_server.requests_to("/feed.xml")
    assert headers["User-Agent"] == DEFAULT_USER_AGENT
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers


def test_etag_match_gives_not_modified(feed_server):
    feed_server.route("/feed.xml", body=RSS, etag='"v1"')
    first = fetch_feed(feed_server.url("/feed.xml"), allow_private=True)
    second = fetch_feed(feed_server.url("/feed.xml"), etag=first.etag, allow_private=True)
    assert second.status == "not_modified"
    assert second.http_status == 304
    assert second.content is None
    assert second.etag == '"v1"'
    assert second.error is None
    assert feed_server.requests_to("/feed.xml")[-1]["If-None-Match"] == '"v1"'


def test_stale_etag_gets_the_new_body(feed_server):
    feed_server.route("/feed.xml", body=RSS, etag='"v2"')
    result = fetch_feed(feed_server.url("/feed.xml"), etag='"v1"', allow_private=True)
    assert result.status == "ok" and result.content == RSS and result.etag == '"v2"'


def test_last_modified_match_gives_not_modified(feed_server):
    feed_server.route("/feed.xml", body=RSS, last_modified=LAST_MODIFIED)
    first = fetch_feed(feed_server.url("/feed.xml"), allow_private=True)
    assert first.status == "ok" and first.last_modified == LAST_MODIFIED
    second = fetch_feed(feed_server.url("/feed.xml"), last_modified=first.last_modified, allow_private=True)
    assert second.status == "not_modified"
    assert second.content is None
    assert second.last_modified == LAST_MODIFIED
    assert feed_server.requests_to("/feed.xml")[-1]["If-Modified-Since"] == LAST_MODIFIED


@pytest.mark.parametrize("code", [301, 308])
def test_permanent_redirect_sets_new_url(feed_server, code):
    feed_server.route("/old.xml", status=code, redirect_to="/new.xml")
    feed_server.route("/new.xml", body=RSS)
    result = fetch_feed(feed_server.url("/old.xml"), allow_private=True)
    assert result.status == "ok"
    assert result.content == RSS
    assert result.final_url == feed_server.url("/new.xml")
    assert result.permanent_redirect_url == feed_server.url("/new.xml")


@pytest.mark.parametrize("code", [302, 303, 307])
def test_temporary_redirect_keeps_url(feed_server, code):
    feed_server.route("/old.xml", status=code, redirect_to="/new.xml")
    feed_server.route("/new.xml", body=RSS)
    result = fetch_feed(feed_server.url("/old.xml"), allow_private=True)
    assert result.status == "ok"
    assert result.final_url == feed_server.url("/new.xml")
    assert result.permanent_redirect_url is None


def test_permanent_then_temporary_redirect_stores_the_permanent_target(feed_server):
    feed_server.route("/a", status=301, redirect_to="/b")
    feed_server.route("/b", status=302, redirect_to="/c")
    feed_server.route("/c", body=RSS)
    result = fetch_feed(feed_server.url("/a"), allow_private=True)
    assert result.status == "ok"
    assert result.final_url == feed_server.url("/c")
    assert result.permanent_redirect_url == feed_server.url("/b")


def test_temporary_then_permanent_redirect_keeps_url(feed_server):
    # The original URL is only moved for now; its later hops are not ours to store.
    feed_server.route("/a", status=302, redirect_to="/b")
    feed_server.route("/b", status=301, redirect_to="/c")
    feed_server.route("/c", body=RSS)
    result = fetch_feed(feed_server.url("/a"), allow_private=True)
    assert result.status == "ok" and result.permanent_redirect_url is None


def test_permanent_redirect_then_not_modified(feed_server):
    feed_server.route("/old.xml", status=301, redirect_to="/new.xml")
    feed_server.route("/new.xml", body=RSS, etag='"v1"')
    result = fetch_feed(feed_server.url("/old.xml"), etag='"v1"', allow_private=True)
    assert result.status == "not_modified"
    assert result.permanent_redirect_url == feed_server.url("/new.xml")


def test_redirect_loop_is_an_error(feed_server):
    feed_server.route("/loop", status=302, redirect_to="/loop")
    result = fetch_feed(feed_server.url("/loop"), allow_private=True)
    assert result.status == "error"
    assert result.error == f"too many redirects (more than {MAX_REDIRECTS})"


def test_redirect_to_non_http_scheme_is_refused(feed_server):
    feed_server.route("/evil", status=302, redirect_to="file:///etc/passwd")
    result = fetch_feed(feed_server.url("/evil"), allow_private=True)
    assert result.status == "error"
    assert "unsupported URL scheme 'file'" in result.error


def test_slow_body_is_cut_off_by_total_timeout(feed_server):
    # 10 bytes every 0.1 s: every single read is quick, only a total deadline stops it.
    feed_server.route("/slow", body=b"<rss>" + b"x" * 1000 + b"</rss>", chunk_size=10, chunk_delay=0.1)
    started = time.monotonic()
    result = fetch_feed(feed_server.url("/slow"), timeout=1, allow_private=True)
    elapsed = time.monotonic() - started
    assert result.status == "error"
    assert result.error == "timed out after 1s"
    assert result.content is None
    assert 0.9 <= elapsed < 2.5


def test_slow_chunked_body_is_cut_off_by_total_timeout(feed_server):
    feed_server.route("/slow", body=b"<rss>" + b"x" * 1000 + b"</rss>", chunk_size=10, chunk_delay=0.1, chunked=True)
    started = time.monotonic()
    result = fetch_feed(feed_server.url("/slow"), timeout=1, allow_private=True)
    assert result.error == "timed out after 1s"
    assert time.monotonic() - started < 2.5


def test_chunked_gzip_body(feed_server):
    feed_server.route("/chunked", body=RSS * 50, gzip=True, chunked=True, chunk_size=100)
    result = fetch_feed(feed_server.url("/chunked"), allow_private=True)
    assert result.status == "ok" and result.content == RSS * 50


def test_trickled_headers_are_cut_off_by_total_timeout(feed_server):
    # one header byte every 50 ms: no single read stalls, the total budget must stop it
    feed_server.route("/trickle", header_trickle=0.05)
    started = time.monotonic()
    result = fetch_feed(feed_server.url("/trickle"), timeout=1, allow_private=True)
    elapsed = time.monotonic() - started
    assert result.status == "error"
    assert result.error == "timed out after 1s"
    assert elapsed < 2.5


def test_slow_headers_time_out(feed_server):
    feed_server.route("/stall", body=RSS, header_delay=3)
    started = time.monotonic()
    result = fetch_feed(feed_server.url("/stall"), timeout=0.5, allow_private=True)
    elapsed = time.monotonic() - started
    assert result.status == "error"
    assert result.error == "timed out after 0.5s"
    assert elapsed < 2.0


def test_oversized_body_with_content_length_is_refused(feed_server):
    feed_server.route("/big", body=b"x" * (5 * 1024 * 1024 + 1))
    result = fetch_feed(feed_server.url("/big"), allow_private=True)
    assert result.status == "error"
    assert result.error == "response larger than 5 MB"
    assert result.content is None


def test_oversized_body_without_content_length_is_cut_off(feed_server):
    feed_server.route("/big", body=b"x" * 200_000, send_length=False)
    result = fetch_feed(feed_server.url("/big"), max_bytes=100 * 1024, allow_private=True)
    assert result.status == "error"
    assert result.error == "response larger than 100 KB"


def test_gzip_bomb_is_cut_off_on_decoded_size(feed_server):
    feed_server.route("/bomb", body=b"\0" * (3 * 1024 * 1024), gzip=True)
    result = fetch_feed(feed_server.url("/bomb"), max_bytes=1024 * 1024, allow_private=True)
    assert result.status == "error"
    assert result.error == "response larger than 1 MB"


def test_gzip_body_is_decoded(feed_server):
    feed_server.route("/gz", body=RSS, gzip=True)
    result = fetch_feed(feed_server.url("/gz"), allow_private=True)
    assert result.status == "ok"
    assert result.content == RSS
    assert "gzip" in feed_server.requests_to("/gz")[0]["Accept-Encoding"]


def test_corrupt_gzip_is_an_error(feed_server):
    feed_server.route("/badgz", body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    result = fetch_feed(feed_server.url("/badgz"), allow_private=True)
    assert result.status == "error"
    assert result.error.startswith("could not decode the response body")


def test_server_error(feed_server):
    feed_server.route("/boom", status=500, body=b"oops", content_type="text/plain")
    result = fetch_feed(feed_server.url("/boom"), allow_private=True)
    assert result.status == "error"
    assert result.http_status == 500
    assert result.error == "HTTP 500 Internal Server Error"
    assert result.content is None


def test_not_found(feed_server):
    result = fetch_feed(feed_server.url("/missing"), allow_private=True)
    assert result.status == "error" and result.http_status == 404
    assert result.error == "HTTP 404 Not Found"


def test_html_page_is_fetched_but_not_a_feed(feed_server):
    page = b"<!DOCTYPE html><html><head><title>Clinic</title></head><body><p>Welcome</p></body></html>"
    feed_server.route("/page", body=page, content_type="text/html; charset=utf-8")
    result = fetch_feed(feed_server.url("/page"), allow_private=True)
    assert result.status == "ok"
    parsed = parse_feed(
        result.content,
        base_url=result.final_url,
        content_type=result.content_type,
        fetched_at=datetime.now(UTC),
    )
    assert parsed.error == "not a feed: got text/html page"
    assert parsed.entries == []


def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more.
    result = fetch_feed(f"http://127.0.0.1:{port}/feed.xml", timeout=2, allow_private=True)
    assert result.status == "error"
    assert result.error == "connection refused"
    assert result.http_status is None


@pytest.mark.parametrize(
    "url, scheme",
    [
        ("ftp://example.test/feed.xml", "ftp"),
        ("file:///etc/passwd", "file"),
        ("javascript:alert(1)", "javascript"),
        ("/relative/feed.xml", "none"),
    ],
)
def test_only_http_urls(url, scheme):
    result = fetch_feed(url, allow_private=True)
    assert result.status == "error"
    assert result.error == f"unsupported URL scheme '{scheme}': only http and https feeds can be fetched"


def test_url_without_host():
    result = fetch_feed("http:///feed.xml", allow_private=True)
    assert result.status == "error" and "no host name" in result.error
