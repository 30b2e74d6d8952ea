"""Hostile input that once answered 500 (or was silently accepted): each must get a clear 4xx and change nothing."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from articles.feeds.parse import parse_feed
from tests.conftest import SiteWithKey, article_payload
from tests.hostile.digest import site_digest

HUGE_IDS = [2**31, 2**63, 2**64, 10**30]


def _create(client: FlaskClient, site: SiteWithKey, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/articles", json=article_payload(**overrides), headers=site.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert isinstance(body, dict) and "error" in body, response.get_data(as_text=True)[:500]
    return body["error"]


# ---------------------------------------------------------------- 13: XML read with defusedxml


def test_opml_in_utf16_with_an_internal_entity_is_refused(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<!DOCTYPE opml [<!ENTITY host "attacker.example">]>\n'
        '<opml version="2.0"><body><outline text="x" xmlUrl="https://&host;/feed"/></body></opml>'
    ).encode("utf-16")
    before = site_digest(app)
    response = client.post(
        "/api/v1/feeds/opml", data=document, headers={**site_a.headers, "Content-Type": "text/x-opml"}
    )
    assert _error(response, 422)["code"] == "invalid_opml"
    assert site_digest(app) == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_a_feed_that_declares_entities_is_refused_unexpanded(encoding: str) -> None:
    document = (
        f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n'
        '<!DOCTYPE rss [<!ENTITY a "LOLLOLLOL"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        '<rss version="2.0"><channel><title>Clinic</title><item><title>Pain &b;</title>'
        "<link>https://clinic-a.example/a</link><description>&b;</description></item></channel></rss>"
    ).encode(encoding)
    parsed = parse_feed(
        document,
        base_url="https://clinic-a.example/feed",
        content_type="application/rss+xml",
        fetched_at=datetime.now(UTC),
    )
    assert parsed.entries == []
    assert parsed.error is not None and "entity" in parsed.error


# ---------------------------------------------------------------- 14: whole numbers in query parameters


@pytest.mark.parametrize("limit", ["²", "1_0", " 5", "٣", "+5", "5 ", "0x5", "５"])
def test_limit_must_be_plain_ascii_digits(client: FlaskClient, site_a: SiteWithKey, limit: str) -> None:
    article = _create(client, site_a)
    public = client.get(
        "/api/v1/sites/clinic-a/related", query_string={"url": article_payload()["url"], "limit": limit}
    )
    assert _error(public, 400)["code"] == "invalid_parameter"
    by_id = client.get(f"/api/v1/sites/clinic-a/articles/{article['id']}/related", query_string={"limit": limit})
    assert _error(by_id, 400)["code"] == "invalid_parameter"
    editors = client.get("/api/v1/articles", query_string={"limit": limit}, headers=site_a.headers)
    assert _error(editors, 400)["code"] == "invalid_parameter"


# ---------------------------------------------------------------- 15: ids beyond the database's integers


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/v1/articles/{id}"),
        ("PATCH", "/api/v1/articles/{id}"),
        ("DELETE", "/api/v1/articles/{id}"),
        ("GET", "/api/v1/articles/{id}/related"),
        ("PUT", "/api/v1/articles/{id}/pins"),
        ("GET", "/api/v1/feeds/{id}"),
        ("DELETE", "/api/v1/subscribers/{id}"),
        ("GET", "/api/v1/subscribers/{id}/digest-preview"),
        ("GET", "/api/v1/topics/{id}"),
        ("GET", "/api/v1/synonyms/{id}"),
        ("GET", "/api/v1/sites/clinic-a/articles/{id}/related"),
    ],
)
def test_huge_ids_in_paths_are_404(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, method: str, path: str, huge: int
) -> None:
    before = site_digest(app)
    response = client.open(path.format(id=huge), method=method, json={"ids": []}, headers=site_a.headers)
    _error(response, 404)
    assert site_digest(app) == before


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_huge_ids_in_json_are_422(app: Flask, client: FlaskClient, site_a: SiteWithKey, huge: int) -> None:
    article = _create(client, site_a)
    before = site_digest(app)
    pins = client.put(f"/api/v1/articles/{article['id']}/pins", json={"ids": [huge]}, headers=site_a.headers)
    assert _error(pins, 422)["code"] == "invalid_fields"
    test_send = client.post("/api/v1/digests/test", json={"subscriber_id": huge}, headers=site_a.headers)
    assert _error(test_send, 422)["code"] == "invalid_fields"
    assert site_digest(app) == before


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize("kind, path", [("a", "/api/v1/articles"), ("s", "/api/v1/subscribers")])
def test_huge_ids_in_cursors_are_400(client: FlaskClient, site_a: SiteWithKey, kind: str, path: str, huge: int) -> None:
    cursor = base64.urlsafe_b64encode(f"{kind}:{huge}".encode()).decode().rstrip("=")
    response = client.get(path, query_string={"cursor": cursor}, headers=site_a.headers)
    assert _error(response, 400)["code"] == "invalid_cursor"


# ---------------------------------------------------------------- 16: nulls, overflowing dates, nesting, NUL


@pytest.mark.parametrize("field", ["title", "url", "status", "body_html", "tags", "categories"])
def test_patch_with_null_for_a_required_field_is_422(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, field: str
) -> None:
    article = _create(client, site_a)
    before = site_digest(app)
    response = client.patch(f"/api/v1/articles/{article['id']}", json={field: None}, headers=site_a.headers)
    assert field in _error(response, 422)["fields"]
    assert site_digest(app) == before


OVERFLOWING_DATES = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]


@pytest.mark.parametrize("when", OVERFLOWING_DATES)
def test_dates_that_overflow_in_utc_are_refused(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, when: str
) -> None:
    before = site_digest(app)
    created = client.post("/api/v1/articles", json=article_payload(published_at=when), headers=site_a.headers)
    assert "published_at" in _error(created, 422)["fields"]
    bulk = client.post(
        "/api/v1/articles/bulk", json={"items": [article_payload(updated_at=when)]}, headers=site_a.headers
    )
    assert bulk.status_code == 200, bulk.get_data(as_text=True)
    assert [item["status"] for item in bulk.get_json()["items"]] == ["rejected"]
    listed = client.get("/api/v1/articles", query_string={"updated_since": when}, headers=site_a.headers)
    assert _error(listed, 400)["code"] == "invalid_parameter"
    assert site_digest(app) == before


def test_deeply_nested_json_is_400(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    before = site_digest(app)
    body = "[" * 100_000 + "]" * 100_000
    for path in ("/api/v1/articles", "/api/v1/articles/bulk", "/api/v1/topics", "/api/v1/sites/clinic-a/subscribe"):
        response = client.post(path, data=body, content_type="application/json", headers=site_a.headers)
        assert _error(response, 400)["code"] == "malformed_json", path
    assert site_digest(app) == before


def test_nul_bytes_in_json_text_are_refused(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    before = site_digest(app)
    created = client.post("/api/v1/articles", json=article_payload(title="Back\x00pain"), headers=site_a.headers)
    assert _error(created, 400)["code"] == "nul_character"
    subscribed = client.post(
        "/api/v1/sites/clinic-a/subscribe", json={"email": "a\x00@example.com", "interests": ["x\x00"]}
    )
    assert _error(subscribed, 400)["code"] == "nul_character"
    assert site_digest(app) == before


@pytest.mark.parametrize(
    "path, query",
    [
        ("/api/v1/sites/clinic-a/related", {"url": "https://clinic-a.example/a\x00"}),
        ("/widget/clinic-a/related", {"url": "https://clinic-a.example/a\x00"}),
        ("/newsletter/clinic-a/suggest", {"q": "back\x00pain"}),
        ("/api/v1/articles", {"url": "https://clinic-a.example/a\x00"}),
        ("/api/v1/subscribers", {"status": "x\x00"}),
    ],
)
def test_nul_bytes_in_query_parameters_are_refused(
    client: FlaskClient, site_a: SiteWithKey, path: str, query: dict[str, str]
) -> None:
    response = client.get(path, query_string=query, headers={**site_a.headers, "Accept": "application/json"})
    assert _error(response, 400)["code"] == "nul_character"


# ---------------------------------------------------------------- 17: body size, strict booleans


def test_chunked_body_over_the_limit_is_413(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    body = json.dumps(article_payload(body_html="<p>" + "a" * 60_000 + "</p>")).encode()
    before = site_digest(app)
    response = client.post(
        "/api/v1/articles",
        input_stream=io.BytesIO(body),
        headers={**site_a.headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert _error(response, 413)["code"] == "body_too_large"
    assert site_digest(app) == before


@pytest.mark.parametrize("atomic", ["false", "true", 1, 0, None, [], {}])
def test_atomic_must_be_a_json_boolean(app: Flask, client: FlaskClient, site_a: SiteWithKey, atomic: Any) -> None:
    before = site_digest(app)
    response = client.post(
        "/api/v1/articles/bulk", json={"items": [article_payload()], "atomic": atomic}, headers=site_a.headers
    )
    assert "atomic" in _error(response, 422)["fields"]
    assert site_digest(app) == before
