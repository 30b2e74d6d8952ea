"""The OpenAPI document: every API route of the URL map is in it and nothing else is, scopes and request models
are the views' own, and the docs page renders it in a browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from articles.feeds.sources import FeedIn, FeedPatch
from articles.schemas import ArticleIn, ArticlePatch
from articles.synonyms.store import SynonymIn, SynonymPatch
from newsletter.delivery_formats import DeliveryEventsIn
from tests.live import LiveServer, save_screenshot

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _api_rules(app: Flask) -> set[tuple[str, str]]:
    """(METHOD, /path/{arg}) of every API route the app serves."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule == "/healthz"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        found |= {(method, path) for method in (rule.methods or set()) & METHODS}
    return found


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_every_api_route_is_documented_and_every_documented_route_exists(
    sqlite_app: Flask, client: FlaskClient
) -> None:
    response = sqlite_app.test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    served, documented = _api_rules(sqlite_app), _documented(document)
    assert len(served) > 50
    assert served - documented == set(), "routes missing from the document"
    assert documented - served == set(), "documented operations the app does not serve"


def test_each_operation_states_the_scope_and_security_of_its_view(sqlite_app: Flask) -> None:
    document = sqlite_app.test_client().get("/api/openapi.json").get_json()
    views = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)): sqlite_app.view_functions[rule.endpoint]
        for rule in sqlite_app.url_map.iter_rules()
        for method in (rule.methods or set()) & METHODS
    }
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            scope = getattr(views[(method.upper(), path)], "api_scope", None)
            assert operation.get("x-scope") == scope, f"{method} {path}"
            if scope is not None:
                assert operation["security"] == [{"apiKey": []}]
                assert {"401", "403"} <= set(operation["responses"])
                checked += 1
            elif path.startswith("/api/v1/webhooks/"):
                assert operation["security"] in ([{"webhookSignature": []}], [{"postmarkBasic": []}])
            else:
                assert operation["security"] == []
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert checked >= 40


@pytest.mark.parametrize(
    ("model", "method", "path"),
    [
        (ArticleIn, "post", "/api/v1/articles"),
        (ArticlePatch, "patch", "/api/v1/articles/{article_id}"),
        (FeedIn, "post", "/api/v1/feeds"),
        (FeedPatch, "patch", "/api/v1/feeds/{feed_id}"),
        (SynonymIn, "post", "/api/v1/synonyms"),
        (SynonymPatch, "patch", "/api/v1/synonyms/{synonym_id}"),
        (DeliveryEventsIn, "post", "/api/v1/webhooks/delivery-events"),
    ],
)
def test_request_bodies_are_the_schemas_of_the_models_that_validate_them(
    sqlite_app: Flask, model: Any, method: str, path: str
) -> None:
    document = sqlite_app.test_client().get("/api/openapi.json").get_json()
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": f"#/components/schemas/{model.__name__}"}
    own = model.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = own.pop("$defs", {})
    components = document["components"]["schemas"]
    assert components[model.__name__] == own
    for name, definition in definitions.items():
        assert components[name] == definition


def test_an_invalid_body_is_refused_as_the_document_says(app: Flask, client: FlaskClient, site_a: Any) -> None:
    document = client.get("/api/openapi.json").get_json()
    article = document["components"]["schemas"]["ArticleIn"]
    assert set(article["required"]) == {"url", "title"} and article["additionalProperties"] is False
    response = client.post("/api/v1/articles", json={"url": "https://a.example/x"}, headers=site_a.headers)
    assert response.status_code == 422 and "title" in response.get_json()["error"]["fields"]
    assert "422" in document["paths"]["/api/v1/articles"]["post"]["responses"]


@pytest.mark.browser
def test_the_docs_page_lists_every_operation_in_a_browser(live_server: LiveServer, page: Any) -> None:
    response = page.goto(f"{live_server.url}/api/docs")
    assert response.status == 200
    page.wait_for_selector("details")
    document = page.evaluate("fetch('/api/openapi.json').then(r => r.json())")
    operations = sum(len(item) for item in document["paths"].values())
    assert page.locator("details").count() == operations
    assert page.locator("h2").count() == len(
        {op["tags"][0] for item in document["paths"].values() for op in item.values()}
    )
    first = page.locator("details", has_text="/api/v1/articles/{article_id}").first
    first.locator("summary").click()
    assert "scope: content" in first.inner_text()
    page.locator("details", has_text="Create an article").first.locator("summary").click()
    assert '"title"' in page.locator("details", has_text="Create an article").first.inner_text()
    save_screenshot(page, "api-docs", full_page=True)
    assert page.page_errors == []
