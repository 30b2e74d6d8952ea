"""The live-server and browser fixtures work together (the widget and admin tests build on them)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.live import LiveServer


@pytest.mark.browser
def test_browser_reaches_the_live_server(live_server: LiveServer, page: Any) -> None:
    response = page.goto(f"{live_server.url}/no-such-page")
    assert response.status == 404
    assert page.inner_text("h1") == "Page not found"
    assert page.page_errors == []
