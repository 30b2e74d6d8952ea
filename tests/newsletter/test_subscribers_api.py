"""Editors' subscriber API: list with filters, counts and cursor, CSV export, erasure, suppression, validation."""

from __future__ import annotations

import csv
import io

import pytest

from tests.newsletter.subscriber_helpers import (
    link,
    make_clinic,
    plain,
    subscribe,
    subscriber_row,
)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": "pat@"}, "email"),
        ({"topics": ["Astrology"]}, "topics"),
        ({"topics": "Pain"}, None),  # a single name is accepted
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"frequency": "hourly"}, "frequency"),
        ({"hour": 24}, "hour"),
        ({"weekday": "someday"}, "weekday"),
        ({"interest_text": "x" * 201}, "interest_text"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_sign_ups_are_422_with_fields(mail_app, mail_client, clinic, smtp_sink, change, field):
    response = subscribe(mail_client, **change)
    if field is None:
        assert response.status_code == 202
        return
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"]
    assert smtp_sink.messages == [] and subscriber_row(mail_app) is None


def test_unknown_site_is_404_json(mail_client, clinic):
    response = subscribe(mail_client, slug="no-such-clinic")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_site"
    assert mail_client.get("/newsletter/no-such-clinic/form").status_code == 404


def test_email_is_normalised_and_unique_per_site(mail_app, mail_client, clinic, smtp_sink):
    make_clinic(mail_app, "clinic-b")
    subscribe(mail_client, email="  Pat@EXAMPLE.com")
    subscribe(mail_client, email="pat@example.com")
    subscribe(mail_client, slug="clinic-b", email="PAT@example.com", topics=[])
    listed = mail_client.get("/api/v1/subscribers", headers=clinic.headers).get_json()
    assert [s["email"] for s in listed["items"]] == ["pat@example.com"]
    assert len(smtp_sink.messages) == 2  # one per site


def _sign_up_many(client, smtp_sink):
    for n, (topics, frequency) in enumerate(
        [(["Pain"], "weekly"), (["Sleep"], "daily"), (["Pain", "Sleep"], "weekly"), ([], "monthly")]
    ):
        assert subscribe(client, email=f"p{n}@example.com", topics=topics, frequency=frequency).status_code == 202
    client.post(link(plain(smtp_sink.messages[0]), "confirm"))


def test_list_filters_counts_and_cursor(mail_app, mail_client, clinic, smtp_sink):
    _sign_up_many(mail_client, smtp_sink)
    other = make_clinic(mail_app, "clinic-b")
    subscribe(mail_client, slug="clinic-b", email="b@example.com", topics=[])
    response = mail_client.get("/api/v1/subscribers?limit=3", headers=clinic.headers)
    body = response.get_json()
    assert response.status_code == 200
    assert [s["email"] for s in body["items"]] == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert body["counts"] == {"pending": 3, "confirmed": 1, "unsubscribed": 0, "bounced": 0, "complained": 0}
    rest = mail_client.get(f"/api/v1/subscribers?limit=3&cursor={body['next_cursor']}", headers=clinic.headers)
    assert [s["email"] for s in rest.get_json()["items"]] == ["p3@example.com"]
    assert rest.get_json()["next_cursor"] is None
    first = body["items"][0]
    assert first["topics"] == ["Pain"] and first["status"] == "confirmed" and first["consent"]["source"] == "form"

    def emails(query):
        return [
            s["email"]
            for s in mail_client.get(f"/api/v1/subscribers?{query}", headers=clinic.headers).get_json()["items"]
        ]

    assert emails("status=confirmed") == ["p0@example.com"]
    assert emails("frequency=weekly") == ["p0@example.com", "p2@example.com"]
    assert emails("interest=Sleep") == ["p1@example.com", "p2@example.com"]
    assert mail_client.get("/api/v1/subscribers?status=gone", headers=clinic.headers).status_code == 400
    assert mail_client.get("/api/v1/subscribers?cursor=zzz", headers=clinic.headers).status_code == 400
    assert mail_client.get("/api/v1/subscribers").status_code == 401
    assert emails_of(mail_client, other) == ["b@example.com"]


def emails_of(client, site):
    return [s["email"] for s in client.get("/api/v1/subscribers", headers=site.headers).get_json()["items"]]


def test_csv_export_guards_against_formulas(mail_app, mail_client, clinic, smtp_sink):
    subscribe(mail_client, email="p0@example.com", interest_text='=HYPERLINK("http://evil")')
    subscribe(mail_client, email="p1@example.com", interest_text="@SUM(A1)", topics=["Pain", "Sleep"])
    response = mail_client.get("/api/v1/subscribers/export.csv?frequency=weekly", headers=clinic.headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["email"] for r in rows] == ["p0@example.com", "p1@example.com"]
    assert rows[0]["interest_text"] == '\'=HYPERLINK("http://evil")'
    assert rows[1]["interest_text"] == "'@SUM(A1)"
    assert rows[1]["topics"] == "Pain; Sleep"
    assert mail_client.get("/api/v1/subscribers/export.csv").status_code == 401


def test_erasure_deletes_the_subscriber_and_their_interests(mail_app, mail_client, clinic, smtp_sink):
    other = make_clinic(mail_app, "clinic-b")
    subscribe(mail_client)
    row = subscriber_row(mail_app)
    assert mail_client.delete(f"/api/v1/subscribers/{row.id}", headers=other.headers).status_code == 404
    assert mail_client.delete(f"/api/v1/subscribers/{row.id}", headers=clinic.headers).status_code == 204
    assert subscriber_row(mail_app) is None
    assert mail_client.delete(f"/api/v1/subscribers/{row.id}", headers=clinic.headers).status_code == 404
    with mail_app.app_context():
        from sqlalchemy import func, select

        from newsletter.models import Interest
        from service import db as database

        with database.new_session() as db:
            assert db.scalar(select(func.count()).select_from(Interest)) == 0
    # erased (not suppressed): the person may sign up again
    assert subscribe(mail_client).status_code == 202 and len(smtp_sink.messages) == 2


def test_an_erased_subscribers_id_is_never_given_to_the_next_one(mail_app, mail_client, clinic, smtp_sink):
    subscribe(mail_client, email="first@example.com")
    subscribe(mail_client, email="newest@example.com")
    first, newest = subscriber_row(mail_app, "first@example.com"), subscriber_row(mail_app, "newest@example.com")
    assert newest.id > first.id
    assert mail_client.delete(f"/api/v1/subscribers/{newest.id}", headers=clinic.headers).status_code == 204
    subscribe(mail_client, email="next@example.com")
    assert subscriber_row(mail_app, "next@example.com").id > newest.id
    # nor after the erased address signs up again
    assert mail_client.delete(f"/api/v1/subscribers/{newest.id + 1}", headers=clinic.headers).status_code == 204
    subscribe(mail_client, email="newest@example.com")
    assert subscriber_row(mail_app, "newest@example.com").id == newest.id + 2


@pytest.mark.parametrize("body", [{}, {"email": "nope"}, {"email": "a@example.com", "extra": 1}])
def test_suppression_validates(mail_client, clinic, body):
    response = mail_client.post("/api/v1/suppressions", json=body, headers=clinic.headers)
    assert response.status_code == 422 and "email" in response.get_json()["error"]["fields"] or "extra" in str(body)


def test_suppression_stores_only_a_hash_and_is_per_site(mail_app, mail_client, clinic, smtp_sink):
    other = make_clinic(mail_app, "clinic-b")
    response = mail_client.post("/api/v1/suppressions", json={"email": "Pat@Example.com"}, headers=clinic.headers)
    assert response.status_code == 201
    assert "pat" not in str(response.get_json()).lower()
    assert len(response.get_json()["email_hash"]) == 64
    subscribe(mail_client)
    subscribe(mail_client, slug="clinic-b", topics=[])
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["pat@example.com"]]  # only clinic-b mailed
    assert emails_of(mail_client, other) == ["pat@example.com"] and emails_of(mail_client, clinic) == []
