"""An administrator invites an editor in headless Chromium; the invitation is read as raw bytes at a real SMTP
server on loopback, its link opened in another browser, a password chosen, and the invitee is signed in.
Screenshots of the pages at desktop and phone width."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.admin.test_browser import clinic, sign_in  # noqa: F401  (fixture)
from tests.live import LiveServer, save_screenshot
from tests.newsletter.smtp_sink import SmtpSink

pytestmark = pytest.mark.browser


@pytest.fixture
def sink(clinic: Flask) -> Iterator[SmtpSink]:  # noqa: F811
    with SmtpSink() as server:
        clinic.config.update(server.app_settings())
        yield server


def _invitation_link(sink: SmtpSink, base: str) -> str:
    deadline = time.monotonic() + 10
    while not sink.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sink.messages) == 1, "one invitation at the SMTP sink"
    raw = sink.messages[0].data
    assert b"\r\nTo: robin@clinic-a.example\r\n" in raw
    assert b"Subject: You are invited to edit Riverside Family Clinic in Clinic Reads" in raw
    body = sink.messages[0].message.get_body(("plain",))
    assert body is not None
    match = re.search(re.escape(base) + r"/admin/account-link/invitation/\S+", body.get_content())
    assert match, "the email links to this service"
    return match.group(0)


def test_an_invitation_is_accepted_in_the_browser(
    clinic: Flask,  # noqa: F811
    live_server: LiveServer,
    sink: SmtpSink,
    browser: Any,
    page: Any,
) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "dana@clinic-a.example")
    page.goto(f"{base}/admin/clinic-a/editors")
    invite = page.locator("section", has=page.get_by_role("heading", name="Invite an editor by email"))
    invite.get_by_label("Email").fill("robin@clinic-a.example")
    invite.get_by_label("Name").fill("Robin Ode")
    invite.get_by_label("Role").select_option("editor")
    with page.expect_navigation():
        invite.get_by_role("button", name="Send invitation").click()
    assert "An invitation is on its way to robin@clinic-a.example." in page.inner_text(".flashes")
    assert "Invited, not yet signed in" in page.locator("tr", has_text="robin@clinic-a.example").inner_text()
    save_screenshot(page, "admin-editors-invited-1280", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    save_screenshot(page, "admin-editors-invited-375", full_page=True)

    link = _invitation_link(sink, base)
    invitee = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    invitee.goto(link)
    assert invitee.get_by_role("heading", name="Choose your password").is_visible()
    save_screenshot(invitee, "admin-invitation-1280", full_page=True)
    invitee.set_viewport_size({"width": 375, "height": 800})
    save_screenshot(invitee, "admin-invitation-375", full_page=True)
    invitee.get_by_label("New password", exact=True).fill("robin's own passphrase")
    invitee.get_by_label("Repeat the new password").fill("robin's own passphrase")
    with invitee.expect_navigation():
        invitee.get_by_role("button", name="Set password and sign in").click()
    assert invitee.url == f"{base}/admin/clinic-a/"
    assert "Welcome! Your password is set. You are signed in." in invitee.inner_text(".flashes")

    invitee.goto(link)
    assert "This link has been used already" in invitee.inner_text("main")
    save_screenshot(invitee, "admin-invitation-used-375", full_page=True)
    invitee.set_viewport_size({"width": 1280, "height": 900})
    save_screenshot(invitee, "admin-invitation-used-1280", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/admin/clinic-a/audit")
    log = page.inner_text("main")
    assert "invited" in log and "invitation accepted" in log
    save_screenshot(page, "admin-audit-invitation-1280", full_page=True)
    invitee.context.close()
