"""Crash safety with a real process: the sender is SIGKILLed mid-batch, a second run completes the
period, and the SMTP server received every due digest exactly once (on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.conftest import REPO_ROOT
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.smtp_sink import SinkHandler, SmtpSink
from tests.newsletter.test_digests import NOW

SUBSCRIBERS = 8
STALL_AT = 4  # the 4th message is in flight when the sender dies


class StallingHandler(SinkHandler):
    """Holds one DATA command open until the client goes away; such a message is never accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.data_calls = 0
        self.stalled = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_calls += 1
        if self.data_calls == STALL_AT:
            self.stalled.set()
            for _ in range(200):
                await asyncio.sleep(0.05)
                if server.transport is None or server.transport.is_closing():
                    return "451 4.4.2 Connection lost before the message was accepted"
        return await super().handle_DATA(server, session, envelope)


def sender(app: Flask, sink: SmtpSink, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "VAR_DIR": app.config["VAR_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": sink.host,
        "SMTP_PORT": str(sink.port),
        "SMTP_SECURITY": "none",
        "PUBLIC_BASE_URL": "https://service.test",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "digests", "send", "--now", NOW.isoformat(), *extra]
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.mark.slow
def test_sigkill_mid_batch_then_rerun_sends_each_digest_once(app: Flask) -> None:
    build_clinic(app, NOW - timedelta(hours=20))
    addresses = [f"patient{i}@example.org" for i in range(SUBSCRIBERS)]
    for address in addresses:
        add_subscriber(app, address, ["Back Pain"], NOW)
    sink = SmtpSink()
    sink.handler = StallingHandler()
    with sink:
        first = sender(app, sink)
        assert sink.handler.stalled.wait(60), first.communicate(timeout=5)[0]
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        assert len(sink.messages) == STALL_AT - 1

        second = sender(app, sink, "--claim-timeout", "0")
        output = second.communicate(timeout=120)[0]
        assert second.returncode == 0, output

        third = sender(app, sink)
        assert third.communicate(timeout=120)[0].count('"due": 0') == 1

    received = Counter(r for m in sink.messages for r in m.rcpt_tos)
    assert received == Counter({address: 1 for address in addresses})
