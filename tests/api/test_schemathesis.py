"""The schema-driven fuzz run: schemathesis generates requests from /api/openapi.json for every operation and sends
them to the app (WSGI) with a valid API key, on SQLite and PostgreSQL; no answer may be a 5xx or differ from what
the document says (status, content type, body schema).

``SCHEMATHESIS_EXAMPLES`` requests per operation (default 10) keep the run to a couple of minutes.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import SiteWithKey, add_site, article_payload

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
#: operations left out of the run, and why
LEFT_OUT = {
    "POST /api/v1/feeds/{feed_id}/poll": "fetches the feed's URL over the network",
}


@pytest.fixture
def fuzz_site(app: Flask, client: FlaskClient) -> SiteWithKey:
    """clinic-a with a key holding every scope, two articles, a reader topic and a pending subscriber."""
    site = add_site(app, "clinic-a", origins=["https://clinic-a.example"])
    for n in (1, 2):
        response = client.post(
            "/api/v1/articles",
            json=article_payload(url=f"https://clinic-a.example/articles/{n}", title=f"Back pain {n}"),
            headers=site.headers,
        )
        assert response.status_code == 201
    assert client.post("/api/v1/topics", json={"name": "Back pain"}, headers=site.headers).status_code == 201
    signed_up = client.post("/api/v1/sites/clinic-a/subscribe", json={"email": "reader@example.com", "topics": []})
    assert signed_up.status_code == 202
    return site


@pytest.fixture
def api_schema(app: Flask, fuzz_site: SiteWithKey) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return schema.exclude(func=lambda ctx: f"{ctx.operation.method.upper()} {ctx.operation.path}" in LEFT_OUT)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_as_documented(case: Any, fuzz_site: SiteWithKey) -> None:
    case.call_and_validate(
        headers=fuzz_site.headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
