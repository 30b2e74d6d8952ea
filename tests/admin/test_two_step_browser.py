"""Two-step sign-in and "Forgot your password?" in headless Chromium, with pyotp as the authenticator app;
screenshots of the changed pages at 1280 and 375 px."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pyotp
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


def _both_widths(page: Any, name: str) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    save_screenshot(page, f"{name}-375", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    page.set_viewport_size({"width": 1280, "height": 900})
    save_screenshot(page, f"{name}-1280", full_page=True)


def test_an_editor_sets_up_two_step_sign_in_and_signs_in_with_a_code(
    clinic: Flask,  # noqa: F811
    live_server: LiveServer,
    page: Any,
) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, "dana@clinic-a.example")
    page.goto(f"{base}/admin/clinic-a/account")
    with page.expect_navigation():
        page.get_by_role("button", name="Set up two-step sign-in").click()
    totp = pyotp.TOTP(page.inner_text("#totp-secret"))
    assert page.inner_text("#totp-uri").startswith("otpauth://totp/")
    _both_widths(page, "admin-account-two-step-setup")
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    with page.expect_navigation():
        page.get_by_role("button", name="Turn two-step sign-in on").click()
    assert "Two-step sign-in is on" in page.inner_text(".flashes")
    assert page.locator("#totp-secret").count() == 0

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "dana@clinic-a.example")
    assert page.url.startswith(f"{base}/admin/login/code")
    page.get_by_label("Code from your authenticator app").fill("000000" if totp.now() != "000000" else "111111")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "That code is not right." in page.inner_text("main")
    _both_widths(page, "admin-login-code")
    page.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url == f"{base}/admin/clinic-a/"
    assert page.page_errors == []


def test_forgot_your_password_in_the_browser(
    clinic: Flask,  # noqa: F811
    live_server: LiveServer,
    sink: SmtpSink,
    page: Any,
) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/admin/login")
    _both_widths(page, "admin-login")
    with page.expect_navigation():
        page.get_by_role("link", name="Forgot your password?").click()
    _both_widths(page, "admin-forgot-password")
    page.get_by_label("Email").fill("dana@clinic-a.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Send me a reset link").click()
    assert "If dana@clinic-a.example belongs to an editor" in page.inner_text("#reset-sent")
    _both_widths(page, "admin-forgot-password-sent")
    deadline = time.monotonic() + 10
    while not sink.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.rcpt_tos for m in sink.messages] == [["dana@clinic-a.example"]]
