"""The two SMTP windows of exactly-once, with a real aiosmtpd server on loopback (SQLite and PostgreSQL).

(a) The sender is SIGKILLed after the server's 250 and before "sent" is committed: the row stays claimed and
    the retry after the claim timeout resends under the Message-ID recorded at claim time.
(b) The server takes the content and the connection drops before its 250 reaches the sender: the run does not
    send it again; the retry after the claim timeout does, under the same Message-ID.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import make_url

from newsletter.digests.ledger import DigestSend
from service import db as database
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.smtp_sink import SinkHandler, SmtpSink
from tests.newsletter.test_digest_crash import sender
from tests.newsletter.test_digests import NOW, send, smtp_app

ADDRESS = "patient@example.org"


class AcceptThenDropHandler(SinkHandler):
    """Takes a message's content (recorded as received) and closes the connection without answering: the first
    ``drops`` times."""

    def __init__(self, drops: int = 1) -> None:
        super().__init__()
        self.drops = drops

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if self.drops > 0:
            self.drops -= 1
            server.transport.close()
            return "421 4.3.2 Closing connection"  # never reaches the client
        return reply


class DatabaseWriteLock:
    """Holds writes to ``digest_sends`` back from another connection: the whole file on SQLite, the table on
    PostgreSQL (reads go on)."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self._conn: Any = None

    def acquire(self) -> None:
        if self.url.get_backend_name() == "sqlite":
            path = self.url.database or ""
            self._conn = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
            self._conn.execute("BEGIN IMMEDIATE")
        else:
            plain = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._conn = psycopg.connect(plain)
            self._conn.execute("LOCK TABLE digest_sends IN SHARE MODE")

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute("ROLLBACK")
            self._conn.close()
            self._conn = None


class AcceptUnderLockHandler(SinkHandler):
    """Accepts every message; before answering the first, locks the database so that the sender cannot record
    it as sent."""

    def __init__(self, lock: DatabaseWriteLock) -> None:
        super().__init__()
        self.lock = lock
        self.accepted = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if not self.accepted.is_set():
            self.lock.acquire()
            self.accepted.set()
        return reply


def ledger_row(app: Flask) -> DigestSend:
    with app.app_context(), database.new_session() as db:
        rows = list(db.scalars(select(DigestSend).where(DigestSend.period != "welcome")))
        assert len(rows) == 1
        db.expunge_all()
        return rows[0]


def digests_to(sink: SmtpSink, address: str) -> list[Any]:
    return [m.message for m in sink.messages if address in m.rcpt_tos and "welcome" not in m.message["Subject"]]


def test_connection_lost_before_the_250_is_not_resent_in_the_run_and_retried_with_its_message_id(app: Flask) -> None:
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, ADDRESS, ["Back Pain"], NOW)
    sink = SmtpSink()
    sink.handler = AcceptThenDropHandler()
    with sink:
        smtp_app(app, sink)
        first = send(app)
        assert '"outcome_unknown": 1' in first.output
        received = digests_to(sink, ADDRESS)
        assert len(received) == 1  # no in-run retry
        row = ledger_row(app)
        assert row.status == "claimed" and row.message_id == received[0]["Message-ID"]

        assert '"due": 0' in send(app).output  # within the claim timeout nothing is resent
        assert len(digests_to(sink, ADDRESS)) == 1

        send(app, NOW, "--claim-timeout", "0")
        received = digests_to(sink, ADDRESS)
        assert len(received) == 2
        assert received[1]["Message-ID"] == received[0]["Message-ID"]
        assert received[1]["Subject"] == received[0]["Subject"]
        row = ledger_row(app)
        assert row.status == "sent" and row.message_id == received[0]["Message-ID"]

        assert '"due": 0' in send(app, NOW, "--claim-timeout", "0").output
    assert len(digests_to(sink, ADDRESS)) == 2


def test_an_outcome_that_stays_unknown_is_tried_three_times_in_all_then_recorded_failed(app: Flask) -> None:
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, ADDRESS, ["Back Pain"], NOW)
    sink = SmtpSink()
    sink.handler = AcceptThenDropHandler(drops=10)
    with sink:
        smtp_app(app, sink)
        for _ in range(4):
            send(app, NOW, "--claim-timeout", "0")
    received = digests_to(sink, ADDRESS)
    assert len(received) == 3 and len({m["Message-ID"] for m in received}) == 1
    row = ledger_row(app)
    assert row.status == "failed" and row.attempts == 3 and "outcome unknown" in (row.detail or "")


@pytest.mark.slow
def test_sender_killed_after_the_250_is_retried_with_the_message_id_of_its_claim(app: Flask) -> None:
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, ADDRESS, ["Back Pain"], NOW)
    lock = DatabaseWriteLock(app.config["DATABASE_URL"])
    sink = SmtpSink()
    sink.handler = AcceptUnderLockHandler(lock)
    with sink:
        try:
            first = sender(app, sink)
            assert sink.handler.accepted.wait(60), first.communicate(timeout=5)[0]
            time.sleep(0.5)  # the 250 is on its way back; recording it waits for the lock
            assert first.poll() is None
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=10)
        finally:
            lock.release()
        received = digests_to(sink, ADDRESS)
        assert len(received) == 1
        row = ledger_row(app)
        assert row.status == "claimed" and row.message_id == received[0]["Message-ID"]

        second = sender(app, sink, "--claim-timeout", "0")
        output = second.communicate(timeout=120)[0]
        assert second.returncode == 0, output
        received = digests_to(sink, ADDRESS)
        assert len(received) == 2
        assert received[1]["Message-ID"] == received[0]["Message-ID"]
        assert ledger_row(app).status == "sent"
