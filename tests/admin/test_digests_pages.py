"""The digests page: the sending job's schedule and this site's runs (every editor); a subscriber's preview in a
sandboxed iframe and a test send into a real SMTP server (administrators). SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from newsletter.digests.ledger import DigestSend
from newsletter.models import Subscriber
from service import db as database
from tests.admin.conftest import Account, add_editor, csrf_token, post_form, sign_in
from tests.conftest import add_site
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.smtp_sink import SmtpSink

SITE = "digest-clinic"
PAGE = f"/admin/{SITE}/digests"
BACK_TITLES = ("Back Pain", "Back Injuries", "Sciatica", "Spinal Stenosis")


@pytest.fixture
def sink(app: Flask) -> Iterator[SmtpSink]:
    """A real SMTP server, and the app set to send through it."""
    with SmtpSink() as smtp:
        app.config.update(
            MAIL_BACKEND="smtp",
            SMTP_HOST=smtp.host,
            SMTP_PORT=smtp.port,
            SMTP_SECURITY="none",
            PUBLIC_BASE_URL="https://service.test",
        )
        yield smtp


@pytest.fixture
def clinic(app: Flask, sink: SmtpSink) -> dict[str, int]:
    """Articles published three hours ago; a subscriber following Back Pain and one whom nothing matches."""
    now = datetime.now(UTC)
    build_clinic(app, now - timedelta(hours=3))
    return {
        "back": add_subscriber(app, "back@example.org", ["Back Pain"], now),
        "nothing": add_subscriber(app, "nothing@example.org", [], now, text="quantum chromodynamics"),
    }


@pytest.fixture
def admin(app: Flask, clinic: dict[str, int]) -> Account:
    return add_editor(app, SITE, "dana@digest-clinic.example", "admin")


@pytest.fixture
def editor(app: Flask, clinic: dict[str, int]) -> Account:
    return add_editor(app, SITE, "eli@digest-clinic.example", "editor")


def picks(body: str) -> list[str]:
    return re.findall(r'<span class="pick">([^<]+)</span>', body)


def sends(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return db.scalar(select(func.count()).select_from(DigestSend)) or 0


def test_editors_see_the_schedule_and_runs_but_no_previews(
    client: FlaskClient, editor: Account, app: Flask, clinic: dict[str, int], sink: SmtpSink
) -> None:
    result = app.test_cli_runner().invoke(args=["digests", "send", "--now", datetime.now(UTC).isoformat()])
    assert result.exit_code == 0, result.output
    sign_in(client, editor)
    body = client.get(PAGE).get_data(as_text=True)
    assert "every 5 minutes" in body and re.search(r"<dt>Next run</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC</dd>", body)
    row = re.search(r'<tbody>\s*<tr>\s*<th scope="row" class="nowrap">[^<]+</th>\s*(.*?)</tr>', body, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["2", "1", "1", "0"]  # due, sent, skipped, failed
    assert "no match: 1" in row
    assert "Preview a subscriber" not in body and "back@example.org" not in body
    back = clinic["back"]
    assert client.get(f"{PAGE}/preview/{back}").status_code == 403
    token = csrf_token(body)
    assert client.post(f"{PAGE}/preview", data={"csrf_token": token, "subscriber": str(back)}).status_code == 403
    assert client.post(f"{PAGE}/test/{back}", data={"csrf_token": token}).status_code == 403
    assert len(sink.messages) == 1  # only the real digest
    dashboard = client.get(f"/admin/{SITE}/").get_data(as_text=True)
    assert f'href="{PAGE}"' in dashboard  # the dashboard's digest panel links here


def test_admin_previews_what_a_subscriber_would_get(
    client: FlaskClient, admin: Account, app: Flask, clinic: dict[str, int], sink: SmtpSink
) -> None:
    sign_in(client, admin)
    back = clinic["back"]
    found = post_form(client, f"{PAGE}/preview", {"subscriber": "BACK@example.org"}, token_from=PAGE)
    assert found.status_code == 302 and found.headers["Location"] == f"{PAGE}?subscriber={back}#preview"
    assert "example.org" not in found.headers["Location"]
    body = client.get(f"{PAGE}?subscriber={back}").get_data(as_text=True)
    titles = picks(body)
    assert titles[0] in BACK_TITLES and set(BACK_TITLES) <= set(titles)
    assert not {"Food Allergy", "Hay Fever", "Allergy", "Acne"} & set(titles)
    assert f'src="{PAGE}/preview/{back}"' in body and 'sandbox=""' in body

    preview = client.get(f"{PAGE}/preview/{back}")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    assert "Because you follow “Back Pain”" in html and titles[0] in html and "Food Allergy" not in html
    assert preview.headers["Content-Security-Policy"].startswith("sandbox;")
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert sink.messages == [] and sends(app) == 0  # a preview sends and records nothing

    by_number = post_form(client, f"{PAGE}/preview", {"subscriber": str(clinic["nothing"])}, token_from=PAGE)
    empty = client.get(by_number.headers["Location"]).get_data(as_text=True)
    assert "Nothing would be sent now: no new article matches their interests." in empty and picks(empty) == []
    assert "Nothing would be sent now" in client.get(f"{PAGE}/preview/{clinic['nothing']}").get_data(as_text=True)

    for value, status, message in (
        ("", 422, "Enter a subscriber number"),
        ("nobody@example.org", 404, "No subscriber of this site"),
        ("99999", 404, "No subscriber of this site"),
    ):
        response = post_form(client, f"{PAGE}/preview", {"subscriber": value}, token_from=PAGE)
        assert response.status_code == status and message in response.get_data(as_text=True)
        assert 'href="#subscriber"' in response.get_data(as_text=True)


def test_test_send_reaches_the_smtp_server(
    client: FlaskClient, admin: Account, app: Flask, clinic: dict[str, int], sink: SmtpSink
) -> None:
    sign_in(client, admin)
    back = clinic["back"]
    view = f"{PAGE}?subscriber={back}"
    for data in ({}, {"csrf_token": "forged"}):
        assert client.post(f"{PAGE}/test/{back}", data=data).status_code == 400
    assert sink.messages == []
    sent = post_form(client, f"{PAGE}/test/{back}", {}, token_from=view)
    assert sent.status_code == 302
    assert [m.rcpt_tos for m in sink.messages] == [["dana@digest-clinic.example"]]
    message = sink.messages[0].message
    assert message["To"] == "dana@digest-clinic.example" and "Back" not in message["Subject"]
    assert "Because you follow “Back Pain”" in message.get_body(("plain",)).get_content()
    assert "Test digest sent to dana@digest-clinic.example." in client.get(view).get_data(as_text=True)
    with app.app_context(), database.new_session() as db:
        assert db.get(Subscriber, back).last_digest_at is None  # a test is not recorded as their digest
    assert sends(app) == 0

    nothing = post_form(client, f"{PAGE}/test/{clinic['nothing']}", {}, token_from=view)
    assert nothing.status_code == 302 and len(sink.messages) == 1
    assert "Nothing to send now (no_match); no email was sent." in client.get(view).get_data(as_text=True)


def test_another_sites_admin_is_refused(
    client: FlaskClient, app: Flask, clinic: dict[str, int], sink: SmtpSink
) -> None:
    add_site(app, "other-clinic")
    other = add_editor(app, "other-clinic", "sam@other.example", "admin")
    sign_in(client, other)
    back = clinic["back"]
    token = csrf_token(client.get("/admin/other-clinic/digests").get_data(as_text=True))
    for path in (PAGE, f"{PAGE}?subscriber={back}", f"{PAGE}/preview/{back}"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"{PAGE}/test/{back}", data={"csrf_token": token}).status_code == 403
    # site A's subscriber through the other site's own pages: not found there
    assert client.get(f"/admin/other-clinic/digests/preview/{back}").status_code == 404
    assert client.get(f"/admin/other-clinic/digests?subscriber={back}").status_code == 404
    assert client.post(f"/admin/other-clinic/digests/test/{back}", data={"csrf_token": token}).status_code == 404
    lookup = client.post(
        "/admin/other-clinic/digests/preview", data={"csrf_token": token, "subscriber": "back@example.org"}
    )
    assert lookup.status_code == 404
    assert sink.messages == []


def test_lookup_needs_its_csrf_token(client: FlaskClient, admin: Account, clinic: dict[str, int]) -> None:
    sign_in(client, admin)
    for data in ({"subscriber": "1"}, {"subscriber": "1", "csrf_token": "forged"}):
        response = client.post(f"{PAGE}/preview", data=data)
        assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
