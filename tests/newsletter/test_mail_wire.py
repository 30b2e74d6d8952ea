"""What reaches a real SMTP server: List-Unsubscribe as plain header text, read from the raw bytes.

Mailbox providers read the header as it is on the wire. These tests use a long public address and a
long site slug, so the one-click URL is well over 200 characters (longer than a header line), send
through the SMTP backend to aiosmtpd on loopback, and look at the bytes it received.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.conftest import make_test_app
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.subscriber_helpers import make_clinic, subscribe, subscriber_row

LONG_BASE = "https://newsletters.riverside-community-health-partners.example.org/patient-education/reading"
LONG_SLUG = "riverside-community-health-partners-family-medicine-north"
MAILTO = "unsubscribe@riverside-community-health-partners.example.org"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def long_app(database_url: str, tmp_path: Path, smtp_sink: Any) -> Any:
    app = make_test_app(
        database_url,
        tmp_path / "var",
        PUBLIC_BASE_URL=LONG_BASE,
        **smtp_sink.app_settings(),
    )
    yield app
    app.extensions["db_engine"].dispose()


def raw_headers(data: bytes) -> bytes:
    """The header block exactly as received (up to the first empty line)."""
    head, _, _ = data.partition(b"\r\n\r\n")
    return head + b"\r\n"


def unfolded(head: bytes) -> dict[str, bytes]:
    """Header name (lower case) -> value, after RFC 5322 unfolding (a CRLF followed by WSP is removed)."""
    text = re.sub(rb"\r\n(?=[ \t])", b"", head)
    out: dict[str, bytes] = {}
    for line in text.split(b"\r\n"):
        if line:
            name, _, value = line.partition(b":")
            out[name.strip().lower().decode()] = value.strip()
    return out


def set_mailto(app: Flask, slug: str) -> None:
    with app.app_context():
        from service import db as database
        from service.sites import site_by_slug

        with database.new_session() as db:
            site = site_by_slug(db, slug)
            site.settings = {**(site.settings or {}), "unsubscribe_mailto": MAILTO}
            db.commit()


def assert_plain_list_unsubscribe(data: bytes) -> str:
    """The one-click URL of a message's raw bytes, after checking both list headers are plain text."""
    head = raw_headers(data)
    assert b"=?" not in head.split(b"\r\nContent-Type:")[0], head.decode()  # no RFC 2047 encoded word at all
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    headers = unfolded(head)
    value = headers["list-unsubscribe"].decode("ascii")
    match = re.fullmatch(r"<(https://[^<>\s]+/one-click)>, <mailto:([^<>\s]+)>", value)
    assert match, value
    url = match.group(1)
    assert len(url) >= 200, len(url)
    assert match.group(2) == MAILTO
    assert f"<{url}>".encode() in head  # the URL itself is never broken across lines
    assert headers["list-unsubscribe-post"] == b"List-Unsubscribe=One-Click"
    return url


def test_confirmation_and_welcome_carry_plain_list_unsubscribe_that_works(long_app, smtp_sink) -> None:
    make_clinic(long_app, LONG_SLUG)
    set_mailto(long_app, LONG_SLUG)
    client = long_app.test_client()
    assert subscribe(client, slug=LONG_SLUG).status_code == 202
    [confirmation] = smtp_sink.messages
    url = assert_plain_list_unsubscribe(confirmation.data)
    confirm = re.search(rb"https://\S+/confirm/\S+", confirmation.message.get_body(("plain",)).get_content().encode())
    assert confirm
    assert (
        client.post(urlsplit(confirm.group(0).decode()).path.removeprefix(urlsplit(LONG_BASE).path)).status_code == 200
    )

    [_, welcome] = smtp_sink.messages
    assert welcome.message["Subject"] == f"Welcome to reading from {LONG_SLUG.title()}"
    welcome_url = assert_plain_list_unsubscribe(welcome.data)  # signed at another second: another token
    assert welcome_url.split("/unsubscribe/")[0] == url.split("/unsubscribe/")[0]

    # a mailbox provider's RFC 8058 POST to the URL exactly as read from the wire unsubscribes at once
    path = urlsplit(url).path.removeprefix(urlsplit(LONG_BASE).path)
    answer = long_app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "You are unsubscribed" in answer.get_data(as_text=True)
    assert subscriber_row(long_app).status == "unsubscribed"


def test_digest_carries_plain_list_unsubscribe_and_a_dated_subject(long_app, smtp_sink) -> None:
    build_clinic(long_app, NOW - timedelta(hours=20), slug=LONG_SLUG)
    set_mailto(long_app, LONG_SLUG)
    # 01:00 on 11 March in Auckland while it is still 10 March in UTC: the subject has the reader's date
    add_subscriber(long_app, "back@example.org", ["Back Pain"], NOW, slug=LONG_SLUG, time_zone="Pacific/Auckland")
    result = long_app.test_cli_runner().invoke(args=["digests", "send", "--now", NOW.isoformat()])
    assert result.exit_code == 0 and '"sent": 1' in result.output, result.output
    [digest] = smtp_sink.messages
    assert_plain_list_unsubscribe(digest.data)
    assert digest.message["Subject"] == "Digest Clinic reading for 11 March 2026"
    assert "Back" not in digest.message["Subject"]
