"""Scheduled publishing: an article whose ``published_at`` is still to come stays out of related lists and
widgets, and the ``publish_scheduled`` job brings it in once that moment has passed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.articles.test_related_pending import drain_all
from tests.conftest import SiteWithKey, article_payload

KNEE = [
    ("knee-surgery", "Knee replacement surgery", "knee replacement surgery recovery physical therapy exercise"),
    ("knee-arthritis", "Arthritis of the knee", "knee arthritis pain joint stiffness exercise walking therapy"),
    ("hip-pain", "Hip pain", "hip pain joint exercise physical therapy walking"),
    ("running", "Running injuries", "running knee injury sports exercise physical therapy"),
]
AHEAD = timedelta(seconds=6)


def _related_ids(client: FlaskClient, site: SiteWithKey, article_id: int) -> list[int]:
    body = client.get(f"/api/v1/articles/{article_id}/related", headers=site.headers).get_json()
    return [item["id"] for item in body["items"]]


def _widget_titles(client: FlaskClient, site: SiteWithKey, slug: str) -> list[str]:
    url = f"https://clinic-a.example/articles/{slug}"
    body = client.get(f"/api/v1/sites/{site.slug}/related?url={url}").get_json()
    return [item["title"] for item in body["items"]]


def test_a_future_article_enters_lists_only_when_its_time_has_come(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    ids = {}
    for slug, title, text in KNEE:
        payload = article_payload(
            url=f"https://clinic-a.example/articles/{slug}", title=title, body_html=f"<p>{text}. {text}.</p>"
        )
        ids[slug] = client.post("/api/v1/articles", json=payload, headers=site_a.headers).get_json()["id"]
    at = datetime.now(UTC) + AHEAD
    future = article_payload(
        url="https://clinic-a.example/articles/knee-pain",
        title="Knee pain",
        body_html="<p>knee pain joint exercise physical therapy walking knee arthritis. knee pain exercise.</p>",
        published_at=at.isoformat(),
    )
    created = client.post("/api/v1/articles", json=future, headers=site_a.headers)
    assert created.status_code == 201, created.get_json()
    future_id = created.get_json()["id"]
    client.patch(
        "/api/v1/site/settings", json={"related_fallback": True}, headers=site_a.headers
    )  # the fallback (newest first) would show it too
    drain_all(app)
    early = app.test_cli_runner().invoke(args=["jobs", "run-once", "publish_scheduled"])
    assert early.exit_code == 0, early.output
    drain_all(app)
    assert datetime.now(UTC) < at, "the machine was too slow to check before the article's time"
    for article_id in ids.values():
        assert future_id not in _related_ids(client, site_a, article_id)
    assert "Knee pain" not in _widget_titles(client, site_a, "knee-arthritis")

    time.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()) + 0.5)
    drain_all(app)
    assert all(future_id not in _related_ids(client, site_a, i) for i in ids.values()), "no read-time check"
    run = app.test_cli_runner().invoke(args=["jobs", "run-once", "publish_scheduled"])
    assert run.exit_code == 0, run.output
    drain_all(app)
    showing = [slug for slug, article_id in ids.items() if future_id in _related_ids(client, site_a, article_id)]
    assert "knee-arthritis" in showing and "knee-surgery" in showing
    assert "Knee pain" in _widget_titles(client, site_a, "knee-arthritis")
    assert _related_ids(client, site_a, future_id), "its own list is there too"
