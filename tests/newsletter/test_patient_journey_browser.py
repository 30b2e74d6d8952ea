"""A patient's whole journey with the demo clinic, in headless Chromium at 375 px and through a real SMTP server.

They sign up choosing two plain-word topics with the time zone their browser reports, confirm, receive the
welcome message, and their first digest holds matching articles whose reasons quote their choice. Every email is
read from the raw bytes the SMTP server received: the list headers must be plain text there.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from tests.conftest import article_payload, make_test_app
from tests.live import LiveServer, save_screenshot
from tests.newsletter.demo_clinic import copy_of
from tests.newsletter.smtp_sink import ReceivedMessage, SmtpSink

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def journey(demo_database: Path, tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[tuple[Flask, LiveServer]]:
    app = make_test_app(
        copy_of(demo_database, tmp_path),
        tmp_path / "var",
        **smtp_sink.app_settings(),
    )
    with LiveServer(app) as server:
        app.config["PUBLIC_BASE_URL"] = server.url
        yield app, server
    app.extensions["db_engine"].dispose()


def plain_text(received: ReceivedMessage) -> str:
    body = received.message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def wire_headers(received: ReceivedMessage) -> dict[str, str]:
    """Header name (lower case) -> value as received, after RFC 5322 unfolding only (no decoding)."""
    head = received.data.partition(b"\r\n\r\n")[0]
    unfolded = re.sub(rb"\r\n(?=[ \t])", b"", head).decode("ascii")
    return {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in unfolded.split("\r\n"))}


def assert_plain_list_unsubscribe(received: ReceivedMessage, base_url: str) -> None:
    headers = wire_headers(received)
    assert re.fullmatch(
        rf"<{re.escape(base_url)}/newsletter/demo/unsubscribe/\S+/one-click>", headers["list-unsubscribe"]
    )
    assert headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click"
    assert "=?" not in headers["list-unsubscribe"]


def test_a_patient_signs_up_on_a_phone_and_gets_a_welcome_and_a_digest_that_quotes_their_choice(
    journey: tuple[Flask, LiveServer], browser: Any, smtp_sink: SmtpSink
) -> None:
    app, server = journey
    send_at = (datetime.now(UTC).astimezone(CHICAGO) + timedelta(hours=1)).replace(minute=5, second=0, microsecond=0)
    context = browser.new_context(viewport=PHONE, timezone_id="America/Chicago")
    page = context.new_page()
    errors: list[Any] = []
    page.on("pageerror", lambda error: errors.append(error))

    page.goto(f"{server.url}/newsletter/demo")
    page.get_by_label("Email address").fill("lee@example.com")
    page.get_by_role("checkbox", name="Back and neck pain").check()
    page.get_by_role("checkbox", name="Sleep").check()
    page.get_by_label("How often").select_option("daily")
    page.get_by_label("Time", exact=True).select_option(str(send_at.hour))
    page.get_by_text("Times are in America/Chicago time").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, "patient-journey-signup", full_page=True)
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    deadline = time.monotonic() + 10  # the confirmation is sent once the response has gone
    while not smtp_sink.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    [confirmation] = smtp_sink.messages
    assert confirmation.rcpt_tos == ["lee@example.com"]
    confirm_url = re.search(r"http://127\.0\.0\.1:\d+/newsletter/demo/confirm/\S+", plain_text(confirmation))
    assert confirm_url is not None
    page.goto(confirm_url.group(0))
    page.get_by_role("button", name="Yes, confirm my subscription").click()
    page.get_by_role("heading", name="Thank you: you are subscribed").wait_for()
    assert errors == []
    context.close()

    [_, welcome] = smtp_sink.messages
    welcome_text = plain_text(welcome)
    assert welcome.message["Subject"].startswith("Welcome to")
    assert f"Every day at {send_at.hour:02d}:00 (America/Chicago time)" in welcome_text
    assert "Back and neck pain" in welcome_text and "Sleep" in welcome_text
    assert_plain_list_unsubscribe(welcome, server.url)

    runner = app.test_cli_runner()
    key = runner.invoke(args=["keys", "create", "demo"]).output.strip().splitlines()[-1]
    article = article_payload(
        url="https://clinic.example/sciatica-at-home",
        title="Easing sciatica and low back pain at home",
        body_html="<p>Sciatica and low back pain often ease with gentle movement; neck pain too.</p>",
        tags=[],
        categories=[],
        published_at=datetime.now(UTC).isoformat(),
    )
    created = app.test_client().post("/api/v1/articles", json=article, headers={"Authorization": f"Bearer {key}"})
    assert created.status_code == 201, created.get_json()
    result = runner.invoke(args=["digests", "send", "--now", send_at.astimezone(UTC).isoformat()])
    assert result.exit_code == 0, result.output

    [digest] = smtp_sink.messages[2:]
    assert digest.rcpt_tos == ["lee@example.com"]
    digest_text = plain_text(digest)
    assert "Easing sciatica and low back pain at home" in digest_text
    assert "Because you follow “Back and neck pain”" in digest_text
    subject = digest.message["Subject"]
    assert f"{send_at.day} {send_at:%B} {send_at.year}" in subject
    assert "pain" not in subject.lower() and "sleep" not in subject.lower()
    assert_plain_list_unsubscribe(digest, server.url)
