"""The hostile-input suite: the route table, a seeded site, and the request count in the summary."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import SiteWithKey, add_site, article_payload

#: requests sent by the property-based suite in this session, by database
SENT: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SENT:
        counts = ", ".join(f"{name} {count}" for name, count in sorted(SENT.items()))
        terminalreporter.write_line(f"hostile-input suite: {sum(SENT.values())} requests sent ({counts})")


@pytest.fixture
def seeded(app: Flask, client: FlaskClient) -> SiteWithKey:
    """Two sites; clinic-a has articles 1-3, a topic, a synonym and a pending subscriber; clinic-b article 4."""
    site_a = add_site(app, "clinic-a", origins=["https://clinic-a.example"])
    site_b = add_site(app, "clinic-b", origins=["https://clinic-b.example"])
    for n, site in ((1, site_a), (2, site_a), (3, site_a), (4, site_b)):
        slug = site.slug
        created = client.post(
            "/api/v1/articles",
            json=article_payload(url=f"https://{slug}.example/articles/{n}", title=f"Back pain exercises {n}"),
            headers=site.headers,
        )
        assert created.status_code == 201, created.get_data(as_text=True)
    steps = [
        ("/api/v1/topics", {"name": "Back pain", "match_terms": ["back pain"]}),
        ("/api/v1/synonyms", {"phrase": "lumbago", "means": "back pain"}),
    ]
    for path, body in steps:
        response = client.post(path, json=body, headers=site_a.headers)
        assert response.status_code == 201, response.get_data(as_text=True)
    signed_up = client.post("/api/v1/sites/clinic-a/subscribe", json={"email": "reader@example.com", "topics": []})
    assert signed_up.status_code < 300, signed_up.get_data(as_text=True)
    return site_a
