"""Helpers for the subscriber tests (their fixtures, an app whose mail goes to a real SMTP sink, are in conftest.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from newsletter.models import Subscriber
from service import db as database
from tests.conftest import SiteWithKey, add_site, article_payload

BASE = "https://service.test"
ACCEPTED = {
    "status": "accepted",
    "message": (
        "Thank you. Please check your inbox: if this address can receive our "
        "emails, a message with a link to confirm your subscription is on its way."
    ),
}


def make_clinic(app: Flask, slug: str = "clinic-a", **kwargs: Any) -> SiteWithKey:
    """A clinic with a postal address and two published articles (topics: Pain, exercise, nerve pain, Sleep)."""
    site = add_site(
        app, slug, postal_address="1 Harbour Road\nRiverside", from_email=f"news@{slug}.example.org", **kwargs
    )
    client = app.test_client()
    for payload in (
        article_payload(url=f"https://{slug}.example/a1"),
        article_payload(url=f"https://{slug}.example/a2", title="Sleep well", tags=["insomnia"], categories=["Sleep"]),
    ):
        response = client.post("/api/v1/articles", json=payload, headers=site.headers)
        assert response.status_code == 201, response.get_json()
    return site


def subscribe(client: FlaskClient, slug: str = "clinic-a", **fields: Any) -> Any:
    body = {"email": "pat@example.com", "topics": ["Pain"], "frequency": "weekly", **fields}
    return client.post(f"/api/v1/sites/{slug}/subscribe", json=body)


def link(text: str, kind: str) -> str:
    """The path of the first ``kind`` link (confirm, preferences, unsubscribe) in an email's text."""
    match = re.search(rf"{re.escape(BASE)}/newsletter/[a-z0-9-]+/{kind}/\S+", text)
    assert match, f"no {kind} link in:\n{text}"
    return urlsplit(match.group(0)).path


def plain(received: Any) -> str:
    return received.message.get_body(("plain",)).get_content()


def subscriber_row(app: Flask, email: str = "pat@example.com") -> Subscriber | None:
    with app.app_context():
        with database.new_session() as db:
            from sqlalchemy import select

            row = db.scalar(select(Subscriber).where(Subscriber.email == email))
            if row is not None:
                _ = row.topics  # load interests before the session closes
            return row


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf token in the page"
    return match.group(1)
