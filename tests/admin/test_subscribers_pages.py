"""The subscribers pages: counts (every editor), search/filter/pages, the API's CSV, a subscriber's record and
erasure (administrators); interests only on the record page, never in URLs or logs. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from newsletter.export import CSV_COLUMNS
from newsletter.inputs import Preferences, Signup
from newsletter.models import Interest, Subscriber
from newsletter.subscriptions import request_subscription, unsubscribe
from service import db as database
from service.sites import site_by_slug
from tests.admin.conftest import Account, csrf_token, post_form, sign_in
from tests.conftest import SiteWithKey
from tests.newsletter.digest_fixtures import add_subscriber

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SECRET_TOPIC = "Depression"
SECRET_TEXT = '=HYPERLINK("http://evil.example")'


def add_pending(app: Flask, email: str, slug: str = "clinic-a") -> int:
    with app.app_context(), database.new_session() as db:
        result = request_subscription(db, site_by_slug(db, slug), Signup(email=email, preferences=Preferences()), NOW)
        db.commit()
        return result.subscriber.id


def add_unsubscribed(app: Flask, email: str) -> int:
    subscriber_id = add_subscriber(app, email, [], NOW, slug="clinic-a")
    with app.app_context(), database.new_session() as db:
        unsubscribe(db.get(Subscriber, subscriber_id), NOW)
        db.commit()
    return subscriber_id


@pytest.fixture
def people(app: Flask, site_a: SiteWithKey) -> dict[str, int]:
    ids = {
        "alice": add_subscriber(app, "alice@example.org", [SECRET_TOPIC], NOW, slug="clinic-a", text=SECRET_TEXT),
        "alice2": add_subscriber(app, "alice2@example.org", ["Back Pain"], NOW, slug="clinic-a"),
        "bob": add_pending(app, "bob@example.org"),
        "carol": add_unsubscribed(app, "carol@example.org"),
    }
    return ids


def emails_listed(body: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/clinic-a/subscribers/\d+">([^<]+)</a>', body)


def test_editors_see_counts_only(client: FlaskClient, editor_a: Account, people: dict[str, int]) -> None:
    sign_in(client, editor_a)
    body = client.get("/admin/clinic-a/subscribers").get_data(as_text=True)
    counts = {
        label: int(n)
        for n, label in re.findall(r'<span class="stat-number">(\d+)</span><span class="stat-label">(\w+)</span>', body)
    }
    assert counts == {"Pending": 1, "Confirmed": 2, "Unsubscribed": 1, "Bounced": 0, "Complained": 0}
    assert "alice@example.org" not in body and "Only the site's administrators" in body and "Export CSV" not in body
    alice = people["alice"]
    for path in (
        "/admin/clinic-a/subscribers/export.csv",
        f"/admin/clinic-a/subscribers/{alice}",
        f"/admin/clinic-a/subscribers/{alice}/erase",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_token(body)
    assert client.post(f"/admin/clinic-a/subscribers/{alice}/erase", data={"csrf_token": token}).status_code == 403
    nav = client.get("/admin/clinic-a/").get_data(as_text=True)
    assert 'href="/admin/clinic-a/subscribers"' in nav


def test_admin_searches_filters_and_pages(
    client: FlaskClient, admin_a: Account, people: dict[str, int], app: Flask
) -> None:
    for n in range(26):
        add_pending(app, f"patient{n:02d}@example.org")
    sign_in(client, admin_a)
    base = "/admin/clinic-a/subscribers"
    assert emails_listed(client.get(f"{base}?q=ALICE").get_data(as_text=True)) == [
        "alice@example.org",
        "alice2@example.org",
    ]
    assert emails_listed(client.get(f"{base}?q=alice@example.org&match=exact").get_data(as_text=True)) == [
        "alice@example.org"
    ]
    assert emails_listed(client.get(f"{base}?q=alice_").get_data(as_text=True)) == []  # LIKE wildcards are literal
    assert emails_listed(client.get(f"{base}?status=unsubscribed").get_data(as_text=True)) == ["carol@example.org"]
    first = client.get(f"{base}?status=pending").get_data(as_text=True)
    assert len(emails_listed(first)) == 25 and "page 1 of 2" in first
    assert 'href="/admin/clinic-a/subscribers?page=2&amp;status=pending"' in first
    second = client.get(f"{base}?status=pending&page=2").get_data(as_text=True)
    assert emails_listed(second) == ["patient24@example.org", "patient25@example.org"]  # bob + 26 pending
    everything = client.get(f"{base}?page=99").get_data(as_text=True)
    assert "page 2 of 2" in everything  # past the end: the last page
    assert SECRET_TOPIC not in everything and "HYPERLINK" not in everything  # interests: record page only


def test_record_page_shows_interests_to_admins(
    client: FlaskClient, admin_a: Account, people: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(client, admin_a)
    body = client.get(f"/admin/clinic-a/subscribers/{people['alice']}").get_data(as_text=True)
    assert "alice@example.org" in body and f"<li>{SECRET_TOPIC}</li>" in body
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in body
    listing = client.get("/admin/clinic-a/subscribers").get_data(as_text=True)
    assert all(SECRET_TOPIC not in href for href in re.findall(r'href="([^"]+)"', listing + body))
    client.get("/admin/clinic-a/subscribers/export.csv").get_data()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert SECRET_TOPIC not in logged and "HYPERLINK" not in logged and "alice@" not in logged


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def test_export_is_the_apis_csv(
    client: FlaskClient, admin_a: Account, people: dict[str, int], site_a: SiteWithKey
) -> None:
    sign_in(client, admin_a)
    response = client.get("/admin/clinic-a/subscribers/export.csv?status=confirmed")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="clinic-a-subscribers.csv"'
    rows = _csv(response.get_data())
    assert rows[0] == list(CSV_COLUMNS) and [r[1] for r in rows[1:]] == ["alice@example.org", "alice2@example.org"]
    assert rows[1][CSV_COLUMNS.index("interest_text")] == "'" + SECRET_TEXT  # formula-safe, as in the API
    api = client.get("/api/v1/subscribers/export.csv?status=confirmed", headers=site_a.headers)
    assert api.get_data() == response.get_data()
    searched = _csv(client.get("/admin/clinic-a/subscribers/export.csv?q=bob").get_data())
    assert [r[1] for r in searched[1:]] == ["bob@example.org"]


def test_erase_asks_first_and_needs_its_token(
    client: FlaskClient, admin_a: Account, people: dict[str, int], app: Flask
) -> None:
    sign_in(client, admin_a)
    alice = people["alice"]
    path = f"/admin/clinic-a/subscribers/{alice}/erase"
    confirm_page = client.get(path).get_data(as_text=True)
    assert "Erase alice@example.org?" in confirm_page and 'method="post"' in confirm_page
    for data in ({}, {"csrf_token": "forged"}):
        assert client.post(path, data=data).status_code == 400
    with app.app_context(), database.new_session() as db:
        assert db.get(Subscriber, alice) is not None
    erased = post_form(client, path, {})
    assert erased.status_code == 302
    assert f"Subscriber {alice} erased" in client.get("/admin/clinic-a/subscribers").get_data(as_text=True)
    with app.app_context(), database.new_session() as db:
        assert db.get(Subscriber, alice) is None
        assert db.query(Interest).filter(Interest.subscriber_id == alice).count() == 0
    assert client.get(f"/admin/clinic-a/subscribers/{alice}").status_code == 404


def test_another_sites_subscribers_are_refused(
    client: FlaskClient, admin_b: Account, people: dict[str, int], app: Flask
) -> None:
    sign_in(client, admin_b)
    alice = people["alice"]
    token = csrf_token(client.get("/admin/clinic-b/subscribers").get_data(as_text=True))
    for path in (
        "/admin/clinic-a/subscribers",
        "/admin/clinic-a/subscribers/export.csv",
        f"/admin/clinic-a/subscribers/{alice}",
        f"/admin/clinic-a/subscribers/{alice}/erase",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/clinic-a/subscribers/{alice}/erase", data={"csrf_token": token}).status_code == 403
    # site A's subscriber through site B's own pages: not found there
    assert client.get(f"/admin/clinic-b/subscribers/{alice}").status_code == 404
    assert client.post(f"/admin/clinic-b/subscribers/{alice}/erase", data={"csrf_token": token}).status_code == 404
    own = client.get("/admin/clinic-b/subscribers").get_data(as_text=True)
    assert "alice@example.org" not in own and "0 subscribers" in own
    export = client.get("/admin/clinic-b/subscribers/export.csv").get_data()
    assert b"alice" not in export
    with app.app_context(), database.new_session() as db:
        assert db.get(Subscriber, alice) is not None
