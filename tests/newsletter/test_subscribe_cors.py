"""A clinic page on one of the site's allowed origins may sign people up with fetch(); other origins may not."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import SiteWithKey

ALLOWED = "https://clinic-a.example"


def test_preflight_from_an_allowed_origin(client: FlaskClient, site_a: SiteWithKey) -> None:
    response = client.options(
        "/api/v1/sites/clinic-a/subscribe",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_only_allowed_origins_get_cors_headers(client: FlaskClient, site_a: SiteWithKey) -> None:
    body = {"email": "pat@example.org", "frequency": "weekly"}
    allowed = client.post("/api/v1/sites/clinic-a/subscribe", json=body, headers={"Origin": ALLOWED})
    assert allowed.status_code == 202
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    other = client.post("/api/v1/sites/clinic-a/subscribe", json=body, headers={"Origin": "https://evil.example"})
    assert other.status_code == 202 and "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]
    preflight = client.options("/api/v1/sites/clinic-a/subscribe", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert client.options("/api/v1/sites/no-such-site/subscribe", headers={"Origin": ALLOWED}).status_code == 404
