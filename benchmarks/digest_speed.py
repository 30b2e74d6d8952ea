"""Digest composition and sending speed.

    .venv/bin/python -m benchmarks.digest_speed [--subscribers 100000] [--messages 5000]

1. Compose digests for N subscribers against ~1,000 new articles (the MedlinePlus topics), with the
   shipped index and composition code (profiles scored in sparse-matrix blocks): time and peak memory
   (goal: under 60 s and 2 GiB).
2. Send M digest messages to a local aiosmtpd sink (its own process) through the project's SMTP backend
   (one reused connection), next to raw smtplib sending the same messages over one connection, in the
   same run (goal: at least 80% of raw smtplib's messages/s).
"""

from __future__ import annotations

import argparse
import random
import resource
import smtplib
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from articles.demo import DEMO_TOPICS
from newsletter.digests import compose
from newsletter.mail import Branding, SmtpBackend, build_message
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topics

TOPICS = DEMO_TOPICS
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_compose(n_subscribers: int, seed: int = 7) -> None:
    docs = list(read_topics(TOPICS))
    index = RelatedIndex().fit(docs)
    rng = random.Random(seed)
    labels = sorted({label for d in docs for label in d.tags + d.categories})
    words = ["knee pain", "sleep", "blood pressure", "diabetes diet", "allergy in children", "anxiety"]
    profiles = [
        compose.Profile(
            i,
            tuple(rng.sample(labels, rng.randint(1, 3))),
            rng.choice(words) if rng.random() < 0.2 else None,
            NOW - timedelta(days=7),
        )
        for i in range(n_subscribers)
    ]
    candidates = [
        compose.DigestCandidate(
            d.id, d.title, f"https://clinic.example/{d.id}", d.summary, None, NOW - timedelta(hours=rng.randint(1, 100))
        )
        for d in docs
    ]
    before = _peak_mib()
    started = time.perf_counter()
    digests = compose.compose(index, profiles, candidates, compose.Settings(max_items=5, min_score=0.05))
    seconds = time.perf_counter() - started
    filled = sum(1 for d in digests if d.picks)
    print(
        f"compose: {n_subscribers:,} subscribers x {len(candidates):,} articles in {seconds:.1f}s "
        f"(goal < 60 s); {filled:,} digests with items, {n_subscribers - filled:,} skipped"
    )
    print(f"compose: peak RSS {_peak_mib():.0f} MiB (before composing {before:.0f} MiB; goal < 2048 MiB)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"]
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the aiosmtpd sink did not start")


def _messages(count: int) -> list:
    branding = Branding(
        site_name="Riverside Clinic",
        slug="riverside",
        from_address="news@clinic.example",
        postal_address="1 Main St",
        list_id_domain="clinic.example",
        base_url="https://clinic.example",
    )
    items = [
        {
            "title": f"Article {i}",
            "url": f"https://clinic.example/a/{i}",
            "summary": "A short summary.",
            "reason": "Because you follow Back Pain",
        }
        for i in range(5)
    ]
    return [
        build_message(
            "digest",
            branding,
            f"patient{i}@example.org",
            {"items": items, "preferences_url": "https://clinic.example/p"},
            "https://clinic.example/u",
            None,
        )
        for i in range(count)
    ]


def bench_send(count: int) -> None:
    messages = _messages(count)
    port = _free_port()
    sink = _start_sink(port)
    try:
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as raw:
            for message in messages:
                raw.send_message(message)
        raw_rate = count / (time.perf_counter() - started)
        backend = SmtpBackend("127.0.0.1", port, security="none")
        started = time.perf_counter()
        with backend:
            results = [backend.send(message) for message in messages]
        ours_rate = count / (time.perf_counter() - started)
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    failed = sum(1 for r in results if not r.ok)
    print(
        f"send: raw smtplib {raw_rate:,.0f} msg/s; Clinic Reads SmtpBackend {ours_rate:,.0f} msg/s "
        f"= {ours_rate / raw_rate:.0%} of raw (goal >= 80%); {failed} failed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Digest composition and sending speed.")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=5_000)
    args = parser.parse_args()
    bench_compose(args.subscribers)
    bench_send(args.messages)


if __name__ == "__main__":
    main()
