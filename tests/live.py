"""A live server and a headless Chromium for tests where a page or widget is the product."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import require_or_skip

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


class LiveServer:
    """A WSGI app served on 127.0.0.1 from a thread; ``url`` is its base address."""

    def __init__(self, app: Any, host: str = "127.0.0.1"):
        self._server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(sqlite_app: Flask) -> Iterator[LiveServer]:
    """The app (on a SQLite file) served over real HTTP."""
    with LiveServer(sqlite_app) as server:
        sqlite_app.config["PUBLIC_BASE_URL"] = server.url
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context and page; console messages and page errors are collected on the page."""
    context = browser.new_context()
    tab = context.new_page()
    tab.console_messages = []  # type: ignore[attr-defined]
    tab.page_errors = []  # type: ignore[attr-defined]
    tab.on("console", lambda message: tab.console_messages.append(message))  # type: ignore[attr-defined]
    tab.on("pageerror", lambda error: tab.page_errors.append(error))  # type: ignore[attr-defined]
    yield tab
    context.close()


def save_screenshot(page: Any, name: str, **kwargs: Any) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    return path
