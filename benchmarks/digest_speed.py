"""Digest composition and sending speed.

    .venv/bin/python -m benchmarks.digest_speed [--subscribers 100000] [--articles 10000]
        [--baseline-subscribers 10000] [--messages 5000]

1. Compose digests for N subscribers against A candidate articles with the shipped composition
   (``newsletter.digests.compose``): time and peak memory (goal: under 60 s and 2 GiB at 100k x 10k).
   The articles are the 1,017 MedlinePlus topics, and beyond those, articles each mixing a third of three topics' words
   (real words, so real topics and free text match them). Every subscriber has their own window (one
   to thirty days), a few already-sent articles, 1-3 of the site's tags and categories, and a fifth of
   them free text. In the same run, the composition as it was before (``benchmarks.legacy_compose``:
   a dense candidates x candidates matrix, windows applied after the cut) is measured as the baseline
   on B subscribers x the same articles. Each measurement runs in its own process, so each peak RSS is
   its own.
2. Send M digest messages to a local aiosmtpd sink (its own process) through the project's SMTP backend
   (one reused connection), next to raw smtplib sending the same messages over one connection, in the
   same run (goal: at least 80% of raw smtplib's messages/s).
"""

from __future__ import annotations

import argparse
import json
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
from recommender.document import Document
from recommender.index import RelatedIndex
from recommender.medlineplus import read_topics

TOPICS = DEMO_TOPICS
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def articles(n: int, seed: int = 11) -> list[Document]:
    """The MedlinePlus topics, then (beyond them) articles each mixing a third of three topics' words."""
    topics = list(read_topics(TOPICS))
    rng = random.Random(seed)
    docs = topics[:n]
    for i in range(len(docs), n):
        mixed = rng.sample(topics, 3)
        words = [w for t in mixed for w in rng.sample(t.body.split(), len(t.body.split()) // 3)]
        docs.append(
            Document(
                id=100_000 + i,
                title=f"{mixed[0].title}: {mixed[1].title.lower()} and {mixed[2].title.lower()}",
                summary=mixed[0].summary,
                body=" ".join(words),
                tags=mixed[0].tags + mixed[1].tags[:1],
                categories=mixed[0].categories,
            )
        )
    return docs


def workload(
    n_subscribers: int, n_articles: int, seed: int = 7
) -> tuple[RelatedIndex, list[compose.Profile], list[compose.DigestCandidate]]:
    docs = articles(n_articles)
    index = RelatedIndex().fit(docs)
    rng = random.Random(seed)
    labels = sorted({label for d in docs for label in d.tags + d.categories})
    words = ["knee pain", "sleep", "blood pressure", "diabetes diet", "allergy in children", "anxiety"]
    candidates = [
        compose.DigestCandidate(
            d.id, d.title, f"https://clinic.example/{d.id}", d.summary, None, NOW - timedelta(hours=rng.randint(1, 720))
        )
        for d in docs
    ]
    profiles = [
        compose.Profile(
            i,
            tuple(rng.sample(labels, rng.randint(1, 3))),
            rng.choice(words) if rng.random() < 0.2 else None,
            NOW - timedelta(days=rng.randint(1, 30)),
            frozenset(rng.choice(candidates).id for _ in range(rng.randint(0, 5))),
        )
        for i in range(n_subscribers)
    ]
    return index, profiles, candidates


def measure(which: str, n_subscribers: int, n_articles: int) -> dict[str, float | int | str]:
    """Compose with ``which`` ("shipped" or "legacy") in this process; time, peak RSS and counts."""
    from benchmarks import legacy_compose

    index, profiles, candidates = workload(n_subscribers, n_articles)
    run = compose.compose if which == "shipped" else legacy_compose.compose
    before = _peak_mib()
    started, cpu_started = time.perf_counter(), time.process_time()
    digests = run(index, profiles, candidates, compose.Settings(max_items=5, min_score=0.05))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "which": which,
        "subscribers": n_subscribers,
        "articles": len(candidates),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "peak_mib": _peak_mib(),
        "before_mib": before,
        "filled": sum(1 for d in digests if d.picks),
    }


def _measured(which: str, n_subscribers: int, n_articles: int) -> dict:
    """:func:`measure` in a child process (so its peak RSS is its own)."""
    argv = [sys.executable, "-m", "benchmarks.digest_speed", "--measure", which]
    argv += ["--subscribers", str(n_subscribers), "--articles", str(n_articles)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_compose(n_subscribers: int, n_articles: int, baseline_subscribers: int) -> None:
    for which, n in (("legacy", baseline_subscribers), ("shipped", n_subscribers)):
        if n <= 0:
            continue
        r = _measured(which, n, n_articles)
        label = "baseline (composition before this change)" if which == "legacy" else "shipped"
        print(
            f"compose {label}: {r['subscribers']:,} subscribers x {r['articles']:,} articles in {r['seconds']:.1f}s "
            f"(CPU {r['cpu_seconds']:.1f}s); "
            f"peak RSS {r['peak_mib']:.0f} MiB (before composing {r['before_mib']:.0f} MiB); "
            f"{r['filled']:,} digests with items (goal at 100k x 10k: < 60 s, < 2048 MiB)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen[bytes]:
    """An aiosmtpd sink in its own process on ``port``, once it accepts connections."""
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
    port = free_port()
    sink = start_sink(port)
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
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--baseline-subscribers", type=int, default=10_000, help="0: no baseline")
    parser.add_argument("--messages", type=int, default=5_000, help="0: no sending benchmark")
    parser.add_argument("--measure", choices=["shipped", "legacy"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.subscribers, args.articles)))
        return
    bench_compose(args.subscribers, args.articles, args.baseline_subscribers)
    if args.messages:
        bench_send(args.messages)


if __name__ == "__main__":
    main()
