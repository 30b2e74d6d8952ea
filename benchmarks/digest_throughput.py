"""Digest sending throughput through 1, 2 and 4 Celery worker processes.

    .venv/bin/python -m benchmarks.digest_throughput [--subscribers 3000] [--workers 1,2,4] [--db sqlite|postgres]
        [--batch 200]

Builds a throw-away clinic (20 MedlinePlus topics published a day ago, their related lists current) with N
confirmed daily subscribers due now, on a temporary SQLite file (the embedded filesystem broker) or a temporary
PostgreSQL database (Redis db 13 as the broker). An aiosmtpd ``Sink`` runs in its own process. For each worker
count, the ledger is emptied, that many ``flask worker --pool solo --concurrency 1`` processes are started and
ready, the due subscribers are enqueued as digest batch tasks (``jobs.tasks.enqueue_digest_batches``, what
the sending job does), and the time until every digest is recorded sent is measured: messages a second, and the
ratio against one worker in the same run. Every worker composes, renders, sends over SMTP and writes the
ledger, so on a 2-core machine the ratio is bounded by the cores (and on SQLite by its one writer).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, func, select, text, update

from articles import store
from articles.demo import DEMO_TOPICS, topic_to_article
from articles.related import pending, updates
from benchmarks.digest_speed import free_port, start_sink
from clinicreads.app import create_app
from jobs.tasks import enqueue_digest_batches
from newsletter.digests.ledger import DigestSend, SentArticle
from newsletter.inputs import Preferences, Signup
from newsletter.models import Subscriber
from newsletter.subscriptions import confirm, request_subscription
from recommender.medlineplus import read_topic_records
from service import db as database
from service.db import utcnow
from service.sites import create_site

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = "redis://127.0.0.1:6379/13"
TITLES = ("Back Pain", "Sciatica", "Food Allergy", "Allergy", "Hay Fever", "Asthma", "Acne", "Burns", "Anemia")


def _postgres_database() -> str:
    name = f"digest_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres_database(url: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _flush_redis() -> None:
    with socket.create_connection(("127.0.0.1", 6379), timeout=5) as sock:
        sock.sendall(b"SELECT 13\r\nFLUSHDB\r\n")
        answer = b""
        while answer.count(b"\r\n") < 2:
            answer += sock.recv(64)


def build(env: dict[str, str], subscribers: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=REPO_ROOT, env=env, check=True
    )
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "VAR_DIR": env["VAR_DIR"], "SECRET_KEY": "bench"})
    now = utcnow()
    published = now - timedelta(hours=20)
    topics = [t for t in read_topic_records(DEMO_TOPICS) if t["title"] in TITLES]
    with app.app_context(), database.new_session() as db:
        site = create_site(db, "bench", "Bench Clinic", ["https://medlineplus.gov"], postal_address="1 Main St")
        with updates.deferred(db, site):
            for position, topic in enumerate(topics):
                data = topic_to_article(topic, position, published).model_copy(update={"published_at": published})
                store.upsert_article(db, site, data)
        db.commit()
        pending.drain_site_fully(db, site)
        prefs = Preferences(topics=["Back Pain"], frequency="daily", hour=0, time_zone="UTC")
        for n in range(subscribers):
            signup = Signup(email=f"reader{n}@example.org", preferences=prefs)
            subscriber = request_subscription(db, site, signup, now - timedelta(days=1)).subscriber
            assert subscriber is not None
            confirm(subscriber, now - timedelta(days=1))
            if n % 500 == 499:
                db.commit()
        db.commit()


def reset_ledger(app: Any) -> None:
    with app.app_context(), database.new_session() as db:
        db.execute(delete(DigestSend).where(DigestSend.period != "welcome"))
        db.execute(delete(SentArticle))
        db.execute(update(Subscriber).values(last_digest_at=None))
        db.commit()


def sent_count(app: Any) -> int:
    with app.app_context(), database.new_session() as db:
        return int(
            db.scalar(select(func.count()).where(DigestSend.status == "sent", DigestSend.period != "welcome")) or 0
        )


def start_workers(env: dict[str, str], count: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    processes = []
    logs = [log_dir / f"worker-{count}-{n}.log" for n in range(count)]
    for log in logs:
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--pool", "solo", "--concurrency", "1"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 180
    while not all(" ready." in log.read_text() for log in logs):
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers did not start; see {log_dir}")
        time.sleep(0.2)
    return processes


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="digest-throughput-"))
    if args.db == "postgres":
        database_url, broker = _postgres_database(), REDIS_URL
        _flush_redis()
    else:
        database_url, broker = f"sqlite:///{folder / 'bench.db'}", f"filesystem://{folder / 'broker'}"
    port = free_port()
    sink = start_sink(port)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(folder / "var"),
        "SECRET_KEY": "bench",
        "PUBLIC_BASE_URL": "https://bench.test",
        "CELERY_BROKER_URL": broker,
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "DIGEST_BATCH_SIZE": str(args.batch),
        "LOG_LEVEL": "WARNING",
    }
    try:
        started = time.perf_counter()
        build(env, args.subscribers)
        print(f"built {args.subscribers} subscribers on {args.db} in {time.perf_counter() - started:.0f}s")
        app = create_app({key: env[key] for key in ("DATABASE_URL", "VAR_DIR", "SECRET_KEY", "CELERY_BROKER_URL")})
        app.config["DIGEST_BATCH_SIZE"] = args.batch
        rates: dict[int, float] = {}
        for count in (int(n) for n in args.workers.split(",")):
            reset_ledger(app)
            processes = start_workers(env, count, folder)
            try:
                started = time.perf_counter()
                with app.app_context(), database.new_session() as db:
                    planned = enqueue_digest_batches(db, utcnow(), app.config)
                while sent_count(app) < planned["due"]:
                    time.sleep(0.2)
                elapsed = time.perf_counter() - started
            finally:
                stop_workers(processes)
            rates[count] = planned["due"] / elapsed
            ratio = rates[count] / rates[min(rates)]
            print(
                f"{count} worker(s): {planned['due']} digests in {planned['batches']} batches, {elapsed:.1f}s, "
                f"{rates[count]:.0f} msg/s, {ratio:.2f}x one worker"
            )
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        if args.db == "postgres":
            _drop_postgres_database(database_url)


if __name__ == "__main__":
    main()
