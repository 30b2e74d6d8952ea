"""/metrics scraped after a digest run shows what the run sent, skipped and failed; only loopback or the token
reads it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.test_digests import NOW, send, smtp_app


def scrape(client: FlaskClient, **kwargs: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def digests(samples: dict, outcome: str) -> float:
    return samples.get(("clinicreads_digests_total", (("outcome", outcome),)), 0.0)


def test_metrics_after_a_digest_run_show_the_sent_count(app: Flask, client: FlaskClient, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "back@example.org", ["Back Pain"], NOW)
    add_subscriber(app, "food@example.org", ["Food Hypersensitivity"], NOW)
    add_subscriber(app, "nothing@example.org", [], NOW, text="quantum chromodynamics")
    before = scrape(client)
    send(app)
    after = scrape(client)
    delivered = {address for message in smtp_sink.messages for address in message.rcpt_tos}
    assert delivered == {"back@example.org", "food@example.org"}
    assert digests(after, "sent") - digests(before, "sent") == len(smtp_sink.messages) == 2
    assert digests(after, "skipped") - digests(before, "skipped") == 1
    assert digests(after, "failed") - digests(before, "failed") == 0
    requests = ("clinicreads_http_requests_total", (("group", "metrics"), ("method", "GET"), ("status", "2xx")))
    assert after[requests] - before.get(requests, 0.0) == 1
    assert after[("clinicreads_related_pending", ())] == 0
    assert ("clinicreads_scheduler_heartbeat_age_seconds", ()) in after


def test_metrics_are_closed_to_other_clients_without_the_token(app: Flask, client: FlaskClient) -> None:
    outside = {"environ_overrides": {"REMOTE_ADDR": "203.0.113.9"}}
    response = client.get("/metrics", **outside)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})  # nginx on this machine
    assert proxied.status_code == 403
    app.config["METRICS_TOKEN"] = "metrics-token-1"
    assert client.get("/metrics", **outside, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics").status_code == 403  # with a token set, loopback needs it too
    scrape(client, **outside, headers={"Authorization": "Bearer metrics-token-1"})
