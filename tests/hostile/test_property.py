"""Property-based hostile input over every public and editors' route: never a 5xx, and a refusal changes nothing.

Each route of the app's URL map (tests/hostile/routes.py) gets ``HOSTILE_EXAMPLES`` generated requests
(default 20) on SQLite and on PostgreSQL: path ids small and huge, hostile text in every path segment
and query parameter, JSON bodies shaped like the route's (each field plausible or hostile), any JSON,
and broken JSON. The number of requests sent is printed in the test summary.
"""

from __future__ import annotations

import os
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SiteWithKey
from tests.hostile.conftest import SENT
from tests.hostile.digest import site_digest
from tests.hostile.routes import Route, all_routes
from tests.hostile.strategies import body_for, hostile_text, path_value, queries

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "20"))
_ARG = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


def _path(route: Route, data: st.DataObject) -> str:
    choices = dict(route.choices)

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in choices:
            return data.draw(st.sampled_from(choices[name]), label=name)
        kind = "int" if name in route.int_args else "text"
        return data.draw(path_value(kind), label=name)

    return _ARG.sub(value, route.rule)


def _send(client: FlaskClient, route: Route, site: SiteWithKey, data: st.DataObject) -> Any:
    path = _path(route, data)
    query = data.draw(queries, label="query")
    headers = {"Accept": data.draw(st.sampled_from(["application/json", "text/html", "*/*"]), label="accept")}
    if route.is_api:
        auth = data.draw(st.sampled_from(["key", "key", "key", "none", "bogus"]), label="auth")
        if auth == "key":
            headers.update(site.headers)
        elif auth == "bogus":
            headers["Authorization"] = "Bearer " + data.draw(hostile_text, label="key").translate({10: None, 13: None})
    if route.method == "GET" or route.method == "DELETE":
        return client.open(path, method=route.method, query_string=query, headers=headers)
    if route.is_api:
        body = data.draw(body_for(route.endpoint), label="body")
        return client.open(
            path, method=route.method, query_string=query, data=body, content_type="application/json", headers=headers
        )
    form = data.draw(st.dictionaries(hostile_text, hostile_text, max_size=4), label="form")
    return client.open(path, method=route.method, query_string=query, data=form, headers=headers)


def _try_route(app: Flask, client: FlaskClient, site: SiteWithKey, route: Route, backend: str) -> None:
    """``EXAMPLES`` generated requests to one route; hypothesis raises (shrunk) on the first bad answer."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        before = site_digest(app)
        response = _send(client, route, site, data)
        SENT[backend] = SENT.get(backend, 0) + 1
        text = response.get_data(as_text=True)[:300]
        assert response.status_code < 500, text
        if response.status_code >= 400:
            assert site_digest(app) == before, f"refused with {response.status_code} but changed rows: {text}"
            if route.is_api:
                assert isinstance((response.get_json(silent=True) or {}).get("error"), dict), text

    one_request()


def test_hostile_input_gets_a_clear_4xx_and_changes_nothing(
    app: Flask, client: FlaskClient, seeded: SiteWithKey, database_url: str
) -> None:
    """Every route in turn against one seeded database; all failing routes are reported together."""
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    table = all_routes()
    assert len(table) > 50  # the URL map was read
    failures = []
    for route in table:
        try:
            _try_route(app, client, seeded, route, backend)
        except Exception as exc:  # noqa: BLE001 - an assertion or hypothesis's group of them: report, go on
            example = "\n".join(getattr(exc, "__notes__", []))  # hypothesis's falsifying example
            failures.append(f"{route.id}: {exc}\n{example}")
    assert failures == [], "\n\n".join(failures)
