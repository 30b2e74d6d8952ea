"""Digests fan out over real Celery workers: 4 ``flask worker`` processes, a real SMTP server on loopback, one
worker SIGKILLed while its batch is mid-send, and every recipient gets exactly one digest.

On PostgreSQL the broker is Redis, which gives the killed worker's batch to another worker after the
visibility timeout; on SQLite it is the embedded filesystem broker, which cannot (a task taken is gone with its
worker), so the scheduler's next sending run (``jobs enqueue send_due_digests``) picks up who is still due.
Either way the ledger sends each digest once. Never run in eager mode: the tasks cross a real broker.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from newsletter.digests.ledger import DigestSend
from service import db as database
from service.db import utcnow
from tests.jobs.celery_workers import broker_for, flask_command, service_env, workers
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.smtp_sink import SinkHandler, SmtpSink

SUBSCRIBERS = 40
BATCH = 5
WORKERS = 4
STALL_AT = 12  # the 12th digest is in flight when its worker dies
VISIBILITY_TIMEOUT = 5
CLAIM_TIMEOUT = 3


def is_digest(data: bytes) -> bool:
    subject = str(email.message_from_bytes(data, policy=email.policy.default)["Subject"])
    return not subject.startswith(("Welcome", "Please confirm", "A message"))


class StallingHandler(SinkHandler):
    """Holds the STALL_AT-th digest's DATA open until its client goes away (that message is never accepted),
    and notes which worker sent it (the EHLO name); every other message is accepted after a short pause, so
    the workers stay busy mid-batch."""

    def __init__(self) -> None:
        super().__init__()
        self.digests_seen = 0
        self.stalled = threading.Event()
        self.stalled_sender = ""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if is_digest(envelope.content):
            self.digests_seen += 1
            if self.digests_seen == STALL_AT:
                self.stalled_sender = session.host_name
                self.stalled.set()
                for _ in range(600):
                    await asyncio.sleep(0.05)
                    if server.transport is None or server.transport.is_closing():
                        return "451 4.4.2 Connection lost before the message was accepted"
            await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def digests_by_recipient(sink: SmtpSink) -> Counter[str]:
    return Counter(r for m in sink.messages if is_digest(m.data) for r in m.rcpt_tos)


def wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.slow
def test_four_workers_one_killed_mid_batch_send_each_digest_exactly_once(app: Flask, tmp_path: Path) -> None:
    now = utcnow()
    build_clinic(app, now - timedelta(hours=20))
    addresses = [f"patient{i}@example.org" for i in range(SUBSCRIBERS)]
    for address in addresses:
        add_subscriber(app, address, ["Back Pain"], now)
    uses_redis = app.config["DATABASE_URL"].startswith("postgresql")
    broker = broker_for(app, tmp_path)
    sink = SmtpSink()
    sink.handler = StallingHandler()
    with sink:
        settings = {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": sink.host,
            "SMTP_PORT": str(sink.port),
            "SMTP_SECURITY": "none",
            "SMTP_MAX_RETRIES": "0",
            "DIGEST_BATCH_SIZE": str(BATCH),
            "DIGEST_CLAIM_TIMEOUT_S": str(CLAIM_TIMEOUT),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        envs = [service_env(app, broker, {**settings, "SMTP_LOCAL_HOSTNAME": f"worker-{n}"}) for n in range(WORKERS)]
        with workers(envs, tmp_path) as processes:
            assert "enqueued" in flask_command(envs[0], "jobs", "enqueue", "send_due_digests")
            assert sink.handler.stalled.wait(120), "no digest reached the stalling point"
            victim = processes[int(sink.handler.stalled_sender.removeprefix("worker-"))]
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            with app.app_context(), database.new_session() as db:
                claimed = DigestSend.status == "claimed"
                in_flight = db.scalar(select(func.count()).where(claimed, DigestSend.period != "welcome"))
            assert in_flight, "the killed worker held no claimed digest: it was not mid-batch"

            everyone = Counter(dict.fromkeys(addresses, 1))
            if uses_redis:  # the killed worker's batch is given to another worker: nobody needs a second run
                assert wait_for(lambda: digests_by_recipient(sink) == everyone, 90), digests_by_recipient(sink)
            else:  # the killed batch is gone with its worker; the next sending run sends who is still due
                survivors_done = wait_for(lambda: len(digests_by_recipient(sink)) >= SUBSCRIBERS - BATCH, 90)
                assert survivors_done, digests_by_recipient(sink)
                time.sleep(CLAIM_TIMEOUT + 1)
                assert digests_by_recipient(sink) != everyone, "the killed batch was finished without a rerun"
                flask_command(envs[0], "jobs", "enqueue", "send_due_digests")
                assert wait_for(lambda: digests_by_recipient(sink) == everyone, 90), digests_by_recipient(sink)

            # one more sending run, as the scheduler makes every five minutes: nothing is sent twice
            flask_command(envs[0], "jobs", "enqueue", "send_due_digests")
            time.sleep(3)
        assert digests_by_recipient(sink) == everyone
    with app.app_context(), database.new_session() as db:
        statuses = Counter(db.scalars(select(DigestSend.status).where(DigestSend.period != "welcome")))
    assert statuses == Counter({"sent": SUBSCRIBERS})
