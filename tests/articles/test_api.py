"""The editors' article API, through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from clinicreads import __version__
from tests.conftest import SiteWithKey, article_payload


def post(client: FlaskClient, site: SiteWithKey, payload: Any, path: str = "/api/v1/articles") -> Any:
    return client.post(path, json=payload, headers=site.headers)


def test_create_then_same_url_updates(client: FlaskClient, site_a: SiteWithKey) -> None:
    created = post(client, site_a, article_payload())
    assert created.status_code == 201
    body = created.get_json()
    assert body["title"] == "Neuropathic Pain and Physical Therapy"
    assert body["summary"].startswith("Nerve pain can improve")
    again = post(
        client,
        site_a,
        article_payload(
            url="https://CLINIC-A.example/articles/neuropathic-pain?utm_source=x#top",
            title="Neuropathic Pain: What Helps",
        ),
    )
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]
    assert again.get_json()["title"] == "Neuropathic Pain: What Helps"
    listing = client.get("/api/v1/articles", headers=site_a.headers).get_json()
    assert len(listing["items"]) == 1


def test_url_is_canonicalised(client: FlaskClient, site_a: SiteWithKey) -> None:
    body = post(
        client, site_a, article_payload(url="HTTPS://Clinic-A.Example:443/a/b?id=2&utm_medium=mail&fbclid=z#x")
    ).get_json()
    assert body["url"] == "https://clinic-a.example/a/b?id=2"


def test_hostile_html_is_sanitised(client: FlaskClient, site_a: SiteWithKey) -> None:
    hostile = (
        '<p onclick="steal()">Hi<script>alert(1)</script></p><img src="x.png" onerror="alert(2)">'
        '<a href="javascript:alert(3)">click</a><iframe src="https://evil.example"></iframe>'
        "<strong>kept</strong>"
    )
    body = post(client, site_a, article_payload(body_html=hostile)).get_json()
    html = body["body_html"].lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "alert(1)"):
        assert bad not in html
    assert "<strong>kept</strong>" in body["body_html"]
    assert "<p>" in body["body_html"]


def test_missing_and_bad_key(client: FlaskClient, site_a: SiteWithKey) -> None:
    missing = client.get("/api/v1/articles")
    assert missing.status_code == 401
    assert missing.get_json()["error"]["code"] == "missing_api_key"
    bad = client.get("/api/v1/articles", headers={"Authorization": "Bearer cr_nothing_here"})
    assert bad.status_code == 401
    forged = client.get("/api/v1/articles", headers={"Authorization": site_a.headers["Authorization"] + "x"})
    assert forged.status_code == 401


def test_revoked_key_is_refused(app: Any, client: FlaskClient, site_a: SiteWithKey) -> None:
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["keys", "list", "clinic-a"])
    key_id = listing.output.split("\t", 1)[0]
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code == 0
    assert client.get("/api/v1/articles", headers=site_a.headers).status_code == 401


def test_other_sites_articles_are_out_of_reach(client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey) -> None:
    article_id = post(client, site_a, article_payload()).get_json()["id"]
    path = f"/api/v1/articles/{article_id}"
    assert client.get(path, headers=site_b.headers).status_code == 403
    assert client.put(path, json=article_payload(title="Hijacked"), headers=site_b.headers).status_code == 403
    assert client.patch(path, json={"title": "Hijacked"}, headers=site_b.headers).status_code == 403
    assert client.delete(path, headers=site_b.headers).status_code == 403
    assert client.get("/api/v1/articles", headers=site_b.headers).get_json()["items"] == []
    # the same URL posted by site B is B's own article
    own = post(client, site_b, article_payload())
    assert own.status_code == 201 and own.get_json()["id"] != article_id
    assert client.get(path, headers=site_a.headers).get_json()["title"] == "Neuropathic Pain and Physical Therapy"


def test_malformed_json_is_400(client: FlaskClient, site_a: SiteWithKey) -> None:
    response = client.post(
        "/api/v1/articles", data='{"title": ', content_type="application/json", headers=site_a.headers
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_not_json_is_415(client: FlaskClient, site_a: SiteWithKey) -> None:
    response = client.post(
        "/api/v1/articles", data="title=x", content_type="application/x-www-form-urlencoded", headers=site_a.headers
    )
    assert response.status_code == 415


def test_huge_body_is_413_and_writes_nothing(app: Any, client: FlaskClient, site_a: SiteWithKey) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = post(client, site_a, article_payload(body_html="<p>" + "a" * 60_000 + "</p>"))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "body_too_large"
    assert client.get("/api/v1/articles", headers=site_a.headers).get_json()["items"] == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"url": "ftp://clinic-a.example/x"}, "url"),
        ({"url": "/relative/path"}, "url"),
        ({"published_at": "last tuesday"}, "published_at"),
        ({"published_at": 1700000000}, "published_at"),
        ({"status": "archived"}, "status"),
        ({"tags": "not-a-list"}, "tags"),
        ({"image_url": "javascript:alert(1)"}, "image_url"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_invalid_fields_are_422(client: FlaskClient, site_a: SiteWithKey, change: dict[str, Any], field: str) -> None:
    response = post(client, site_a, article_payload(**change))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_fields"
    assert field in error["fields"]
    assert client.get("/api/v1/articles", headers=site_a.headers).get_json()["items"] == []


def test_missing_title_is_422(client: FlaskClient, site_a: SiteWithKey) -> None:
    payload = article_payload()
    del payload["title"]
    response = post(client, site_a, payload)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["title"] == "required: enter a value"


def test_body_must_be_an_object(client: FlaskClient, site_a: SiteWithKey) -> None:
    assert post(client, site_a, ["not", "an", "object"]).status_code == 422


def test_get_put_patch_delete_and_purge(client: FlaskClient, site_a: SiteWithKey) -> None:
    article_id = post(client, site_a, article_payload()).get_json()["id"]
    path = f"/api/v1/articles/{article_id}"
    assert client.get(path, headers=site_a.headers).get_json()["status"] == "published"

    replaced = client.put(path, json=article_payload(title="Replaced", tags=["only"]), headers=site_a.headers)
    assert replaced.status_code == 200
    assert replaced.get_json()["tags"] == ["only"]

    patched = client.patch(path, json={"summary": "A short summary.", "status": "draft"}, headers=site_a.headers)
    assert patched.get_json()["summary"] == "A short summary."
    assert patched.get_json()["title"] == "Replaced"
    assert patched.get_json()["status"] == "draft"

    retired = client.delete(path, headers=site_a.headers)
    assert retired.status_code == 200 and retired.get_json()["status"] == "retired"
    assert client.get(path, headers=site_a.headers).status_code == 200

    assert client.delete(path + "?purge=true", headers=site_a.headers).status_code == 204
    gone = client.get(path, headers=site_a.headers)
    assert gone.status_code == 404
    assert gone.get_json()["error"]["code"] == "unknown_article"


def test_changing_url_to_a_taken_one_is_409(client: FlaskClient, site_a: SiteWithKey) -> None:
    first = post(client, site_a, article_payload()).get_json()
    second = post(client, site_a, article_payload(url="https://clinic-a.example/other")).get_json()
    response = client.patch(f"/api/v1/articles/{second['id']}", json={"url": first["url"]}, headers=site_a.headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "url_conflict"
    assert client.get(f"/api/v1/articles/{second['id']}", headers=site_a.headers).get_json()["url"] == second["url"]


def test_list_paginates_with_a_cursor_and_filters(client: FlaskClient, site_a: SiteWithKey) -> None:
    for i in range(5):
        post(
            client,
            site_a,
            article_payload(
                url=f"https://clinic-a.example/a{i}",
                title=f"Article {i}",
                tags=["even" if i % 2 == 0 else "odd"],
                categories=[f"C{i % 2}"],
                status="draft" if i == 4 else "published",
            ),
        )
    seen, cursor = [], None
    while True:
        query = "/api/v1/articles?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(query, headers=site_a.headers).get_json()
        seen += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Article {i}" for i in range(5)]
    tagged = client.get("/api/v1/articles?tag=even", headers=site_a.headers).get_json()["items"]
    assert [a["title"] for a in tagged] == ["Article 0", "Article 2", "Article 4"]
    published_even = client.get("/api/v1/articles?tag=even&status=published", headers=site_a.headers).get_json()
    assert len(published_even["items"]) == 2
    assert len(client.get("/api/v1/articles?category=C1", headers=site_a.headers).get_json()["items"]) == 2
    future = client.get("/api/v1/articles?updated_since=2999-01-01T00:00:00Z", headers=site_a.headers).get_json()
    assert future["items"] == []


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=500", "limit=abc", "status=gone", "cursor=%%%", "updated_since=soon"]
)
def test_bad_list_parameters_are_400(client: FlaskClient, site_a: SiteWithKey, query: str) -> None:
    response = client.get(f"/api/v1/articles?{query}", headers=site_a.headers)
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_bulk_reports_each_item(client: FlaskClient, site_a: SiteWithKey) -> None:
    items = [article_payload(url=f"https://clinic-a.example/b{i}", title=f"Bulk {i}") for i in range(3)]
    items.append({"url": "https://clinic-a.example/bad", "title": ""})
    items.append("not an object")
    response = post(client, site_a, {"items": items}, "/api/v1/articles/bulk")
    assert response.status_code == 200
    body = response.get_json()
    assert body["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 2}
    assert [r["status"] for r in body["items"]] == ["created"] * 3 + ["rejected"] * 2
    assert "title" in body["items"][3]["error"]["fields"]
    again = post(client, site_a, {"items": items[:3]}, "/api/v1/articles/bulk").get_json()
    assert again["counts"]["unchanged"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": "x"},
        {"articles": []},
        [1, 2],
        {"items": [{"title": "t", "url": "https://x.example"}] * 1001},
    ],
)
def test_malformed_bulk_writes_nothing(client: FlaskClient, site_a: SiteWithKey, body: Any) -> None:
    response = post(client, site_a, body, "/api/v1/articles/bulk")
    assert response.status_code == 422
    assert client.get("/api/v1/articles", headers=site_a.headers).get_json()["items"] == []


def test_atomic_bulk_with_a_bad_item_writes_nothing(client: FlaskClient, site_a: SiteWithKey) -> None:
    items = [article_payload(url="https://clinic-a.example/ok"), {"url": "https://clinic-a.example/x"}]
    response = post(client, site_a, {"items": items, "atomic": True}, "/api/v1/articles/bulk")
    assert response.status_code == 422
    assert "1" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/articles", headers=site_a.headers).get_json()["items"] == []


def test_api_404_and_405_are_json(client: FlaskClient, site_a: SiteWithKey) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong_method = client.post("/api/v1/articles/1", json={}, headers=site_a.headers)
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"]["code"] == "method_not_allowed"
    assert client.get("/api/v1/articles/999999", headers=site_a.headers).status_code == 404


def test_unexpected_error_is_json_500(app: Any, site_a: SiteWithKey) -> None:
    @app.get("/api/v1/boom")
    def boom() -> Any:
        raise RuntimeError("kaboom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "kaboom" not in response.get_data(as_text=True)


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "version": __version__}


def test_page_404_is_html_for_people(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "Page not found" in response.get_data(as_text=True)
