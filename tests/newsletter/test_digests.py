"""Digests: matching, skipping, exactly-once sending into a real SMTP server, and the editors' API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

from flask import Flask
from sqlalchemy import select

from newsletter.digests.ledger import DigestRun
from service import db as database
from tests.conftest import add_site
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def smtp_app(app: Flask, sink: Any) -> Flask:
    app.config.update(
        MAIL_BACKEND="smtp",
        SMTP_HOST=sink.host,
        SMTP_PORT=sink.port,
        SMTP_SECURITY="none",
        PUBLIC_BASE_URL="https://service.test",
    )
    return app


def send(app: Flask, now: datetime = NOW, *extra: str) -> Any:
    result = app.test_cli_runner().invoke(args=["digests", "send", "--now", now.isoformat(), *extra])
    assert result.exit_code == 0, result.output
    return result


def titles_in(sink: Any, address: str) -> list[str]:
    messages = [m.message for m in sink.messages if address in m.rcpt_tos]
    assert len(messages) == 1, f"{address} got {len(messages)} messages"
    text = messages[0].get_body(("plain",)).get_content()
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_interests_decide_what_each_subscriber_gets(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "back@example.org", ["Back Pain"], NOW)
    add_subscriber(app, "food@example.org", ["Food Hypersensitivity"], NOW)
    send(app)
    back = "\n".join(titles_in(smtp_sink, "back@example.org"))
    food = "\n".join(titles_in(smtp_sink, "food@example.org"))
    assert "Back Pain" in back and "Because you follow “Back Pain”" in back
    assert "Food Allergy" not in back and "Hay Fever" not in back
    assert "Food Allergy" in food
    assert "Back Pain" not in food and "Sciatica" not in food
    message = smtp_sink.messages[0].message
    assert message.get_content_type() == "multipart/alternative"
    assert "Back" not in message["Subject"] and "Allerg" not in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_second_run_of_the_period_sends_nothing(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "back@example.org", ["Back Pain"], NOW)
    first = send(app)
    assert '"sent": 1' in first.output
    second = send(app, NOW + timedelta(hours=2))
    assert '"due": 0' in second.output
    assert len(smtp_sink.messages) == 1


def test_no_match_is_skipped_and_recorded_never_an_empty_email(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "nothing@example.org", [], NOW, text="quantum chromodynamics")
    result = send(app)
    assert '"skipped": 1' in result.output and "no_match" in result.output
    assert smtp_sink.messages == []
    assert '"due": 0' in send(app, NOW + timedelta(hours=1)).output


def test_articles_are_never_sent_twice(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "back@example.org", ["Back Pain"], NOW)
    send(app)
    first = titles_in(smtp_sink, "back@example.org")
    smtp_sink.clear()
    result = send(app, NOW + timedelta(days=1))  # next day: the same articles are still in the window
    assert '"skipped": 1' in result.output
    assert smtp_sink.messages == [] and first


def test_not_due_before_their_hour_in_their_time_zone(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "tokyo@example.org", ["Back Pain"], NOW, hour=23, time_zone="Asia/Tokyo")  # 14:00 UTC
    add_subscriber(app, "ny@example.org", ["Back Pain"], NOW, hour=6, time_zone="America/New_York")  # 10:00 UTC
    send(app, NOW.replace(hour=11))
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["ny@example.org"]]
    send(app, NOW.replace(hour=14, minute=5))
    assert sorted(r for m in smtp_sink.messages for r in m.rcpt_tos) == ["ny@example.org", "tokyo@example.org"]


def test_permanent_failures_are_recorded_and_others_still_sent(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "gone@example.org", ["Back Pain"], NOW)
    add_subscriber(app, "here@example.org", ["Back Pain"], NOW)
    smtp_sink.reject_recipient("gone@example.org")
    result = send(app)
    assert '"failed": 1' in result.output and '"sent": 1' in result.output and "bounced" in result.output
    assert '"due": 0' in send(app, NOW + timedelta(hours=1)).output  # a permanent failure is not retried


def test_editors_preview_test_send_and_run_reports(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, datetime.now(UTC) - timedelta(hours=3))
    subscriber_id = add_subscriber(app, "back@example.org", ["Back Pain"], datetime.now(UTC))
    editor = add_site(app, "other-clinic")
    with app.app_context():
        from service import db as database
        from service.auth import SCOPES, create_api_key
        from service.sites import site_by_slug

        with database.new_session() as db:
            _, key = create_api_key(db, site_by_slug(db, "digest-clinic"), "tests", SCOPES)
            db.commit()
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    preview = client.get(f"/api/v1/subscribers/{subscriber_id}/digest-preview", headers=headers).get_json()
    assert preview["items"][0]["title"] in ("Back Pain", "Back Injuries", "Sciatica", "Spinal Stenosis")
    assert preview["items"][0]["reason"] == "Because you follow “Back Pain”"
    html = client.get(f"/api/v1/subscribers/{subscriber_id}/digest-preview?format=html", headers=headers)
    assert html.status_code == 200 and "Back Pain" in html.get_data(as_text=True)
    assert smtp_sink.messages == []  # previews send nothing
    assert client.get(f"/api/v1/subscribers/{subscriber_id}/digest-preview", headers=editor.headers).status_code == 404

    sent = client.post(
        "/api/v1/digests/test", json={"subscriber_id": subscriber_id, "email": "editor@clinic.example"}, headers=headers
    )
    assert sent.status_code == 202
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["editor@clinic.example"]]
    bad = client.post("/api/v1/digests/test", json={"subscriber_id": subscriber_id, "email": "nope"}, headers=headers)
    assert bad.status_code == 422

    send(app, datetime.now(UTC))
    runs = client.get("/api/v1/digests/runs", headers=headers).get_json()["items"]
    assert runs[0]["sent"] == 1 and runs[0]["due"] == 1
    parsed = message_from_bytes(smtp_sink.messages[-1].data, policy=policy.default)
    assert parsed["To"] == "back@example.org"


def test_the_command_sends_a_site_page_by_page_each_subscriber_once_in_one_run(app: Flask, smtp_sink: Any) -> None:
    """``flask digests send`` loads, composes and sends the due subscribers a page at a time (here 2), so memory
    does not grow with their number; everyone due gets exactly one digest and the site's run is one record."""
    smtp_app(app, smtp_sink)
    app.config["DIGEST_PLAN_PAGE_SIZE"] = 2
    build_clinic(app, NOW - timedelta(hours=20))
    addresses = [f"reader{i}@example.org" for i in range(5)]
    for address in addresses:
        add_subscriber(app, address, ["Back Pain"], NOW)
    result = send(app)
    assert "digest-clinic: 5/5 due digests handled" in result.stderr
    assert sorted(r for m in smtp_sink.messages for r in m.rcpt_tos) == sorted(addresses)
    with app.app_context(), database.new_session() as db:
        runs = db.execute(select(DigestRun.due, DigestRun.sent)).all()
        assert [tuple(r) for r in runs] == [(5, 5)]
    smtp_sink.clear()
    send(app)
    assert smtp_sink.messages == []
