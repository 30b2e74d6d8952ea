"""What is kept when a reader leaves: unsubscribing deletes their interests, topics and free text (only what
stopping mail needs stays), and erasure also deletes the outbox's copies of mail to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from newsletter.models import Subscriber
from service import db as database
from tests.conftest import SiteWithKey, make_test_app
from tests.newsletter.subscriber_helpers import BASE, link, make_clinic, plain, subscribe


def _row_counts(app: Flask, subscriber_id: int) -> dict[str, int]:
    with app.app_context(), database.new_session() as db:
        return {
            table: int(
                db.execute(
                    text(f"SELECT count(*) FROM {table} WHERE subscriber_id = :id"), {"id": subscriber_id}
                ).scalar_one()
            )
            for table in ("subscriber_interests", "subscriber_topics", "digest_clicks")
        }


@pytest.mark.parametrize("one_click", [False, True])
def test_unsubscribing_forgets_interests_topics_and_free_text(
    mail_app: Flask, mail_client: Any, clinic: SiteWithKey, smtp_sink: Any, one_click: bool
) -> None:
    assert subscribe(mail_client, topics=["Pain", "Sleep"], interest_text="my knee after surgery").status_code == 202
    confirm_text = plain(smtp_sink.messages[-1])
    assert mail_client.post(link(confirm_text, "confirm")).status_code == 200
    [listed] = mail_client.get("/api/v1/subscribers", headers=clinic.headers).get_json()["items"]
    assert listed["topics"] and listed["interest_text"] == "my knee after surgery"
    assert sum(_row_counts(mail_app, listed["id"]).values()) > 0

    path = link(confirm_text, "unsubscribe").removesuffix("/one-click") + ("/one-click" if one_click else "")
    data = {"List-Unsubscribe": "One-Click"} if one_click else {}
    assert mail_client.post(path, data=data).status_code == 200

    [after] = mail_client.get("/api/v1/subscribers", headers=clinic.headers).get_json()["items"]
    assert after["status"] == "unsubscribed"
    assert after["topics"] == [] and after["interest_text"] is None
    assert _row_counts(mail_app, listed["id"]) == {
        "subscriber_interests": 0,
        "subscriber_topics": 0,
        "digest_clicks": 0,
    }
    # what suppression needs stays: the address and its status; a new sign-up from it is mailed as before
    assert after["email"] == "pat@example.com"
    assert subscribe(mail_client, topics=["Sleep"]).status_code == 202
    [again] = mail_client.get("/api/v1/subscribers", headers=clinic.headers).get_json()["items"]
    assert again["status"] == "pending" and again["topics"] == ["Sleep"]


@pytest.fixture
def outbox_app(database_url: str, tmp_path: Path) -> Any:
    app = make_test_app(database_url, tmp_path / "var", PUBLIC_BASE_URL=BASE, MAIL_BACKEND="outbox")
    yield app
    app.extensions["db_engine"].dispose()


def _outbox(app: Flask) -> list[bytes]:
    return [path.read_bytes() for path in sorted(Path(app.config["VAR_DIR"], "outbox").glob("*.eml"))]


def test_erasure_through_the_api_deletes_the_outbox_copies_of_mail_to_the_address(outbox_app: Flask) -> None:
    clinic = make_clinic(outbox_app)
    client = outbox_app.test_client()
    assert subscribe(client, email="pat@example.com").status_code == 202
    assert subscribe(client, email="sam@example.com").status_code == 202
    assert len(_outbox(outbox_app)) == 2
    items = client.get("/api/v1/subscribers", headers=clinic.headers).get_json()["items"]
    pat = next(item["id"] for item in items if item["email"] == "pat@example.com")
    assert client.delete(f"/api/v1/subscribers/{pat}", headers=clinic.headers).status_code == 204
    left = _outbox(outbox_app)
    assert len(left) == 1
    assert b"pat@example.com" not in b"".join(left) and b"To: sam@example.com" in left[0]


def test_erasure_on_the_admin_page_deletes_the_outbox_copies(outbox_app: Flask) -> None:
    from tests.admin.conftest import add_editor, post_form, sign_in

    make_clinic(outbox_app)
    client = outbox_app.test_client()
    assert subscribe(client, email="pat@example.com").status_code == 202
    assert len(_outbox(outbox_app)) == 1
    with outbox_app.app_context(), database.new_session() as db:
        pat = db.scalar(select(Subscriber.id).where(Subscriber.email == "pat@example.com"))
    admin = add_editor(outbox_app, "clinic-a", "admin@clinic-a.example", "admin")
    sign_in(client, admin)
    erased = post_form(client, f"/admin/clinic-a/subscribers/{pat}/erase", {})
    assert erased.status_code == 302
    assert _outbox(outbox_app) == []
    with outbox_app.app_context(), database.new_session() as db:
        assert db.scalar(select(func.count()).select_from(Subscriber)) == 0
