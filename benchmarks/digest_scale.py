"""A digest composition run at scale through the batched path the workers run, in bounded memory.

    .venv/bin/python -m benchmarks.digest_scale [--subscribers 1000000] [--baseline-subscribers 100000]
        [--articles 1000] [--batch 200] [--no-legacy-plan]

For each size (the baseline first), in a child process of its own, on a fresh SQLite file:

* seeding (not measured): a site with ``--articles`` MedlinePlus topics published 1-720 hours ago, stored and
  drained as the product does (fitted index stored, lists current); then the subscribers by bulk inserts
  (``executemany`` of 20,000 rows at a time): confirmed, daily at 00:00 UTC, each with their own window (last
  digest 1-30 days ago), 1-3 of the site's tags and categories, a fifth with free text, a fifth with three
  articles already sent;
* plan: ``newsletter.digests.run.plan_batches``, the sending job's streaming planning, read to the end;
* compose: for every batch it yields, what ``jobs.worker_tasks.send_digest_batch`` does before it sends, each in
  a session of its own: ``due_subscribers(..., only_ids=batch)`` and ``compose_for`` (the due check, the ledger
  and reading lookups, the site's index as a worker reads it, the candidates query and the composition).
  Claiming, rendering and sending the messages are not part of this run (``benchmarks/digest_speed.py`` measures
  sending, ``benchmarks/digest_throughput.py`` the whole path with real workers);
* legacy plan (baseline size only, last): the planning of earlier releases, every due subscriber of the site
  loaded at once (``due_subscribers`` without ``only_ids``), for comparison.

Printed for each phase: wall and CPU time, subscribers/s and the process's peak RSS during that phase alone
(Linux ``VmHWM``, reset before it), next to the RSS before it. Memory that does not grow with the number of
subscribers shows as the same peak at both sizes.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from articles import store
from articles.demo import DEMO_TOPICS, topic_to_article
from articles.models import ArticleLabel
from articles.related import pending, updates
from benchmarks.recommender_speed import peak_rss_since_reset_mb, reset_peak_rss
from clinicreads.app import create_app
from newsletter.digests import run as digest_run
from newsletter.digests.ledger import SentArticle
from newsletter.models import Interest, Subscriber
from recommender.medlineplus import read_topic_records
from service import db as database
from service.migrations import upgrade
from service.sites import Site, create_site

SLUG = "scale"
CHUNK = 20_000
WORDS = ["knee pain", "sleep", "blood pressure", "diabetes diet", "allergy in children", "anxiety"]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def seed(url: str, var_dir: Path, n_subscribers: int, n_articles: int, now: datetime) -> None:
    app = create_app({"DATABASE_URL": url, "VAR_DIR": str(var_dir), "SECRET_KEY": "bench", "TESTING": True})
    rng = random.Random(5)
    with app.app_context(), database.new_session() as db:
        site = create_site(db, SLUG, "Scale clinic")
        with updates.deferred(db, site):
            for position, topic in enumerate(list(read_topic_records(DEMO_TOPICS))[:n_articles]):
                published = now - timedelta(hours=rng.randint(1, 720))
                data = topic_to_article(topic, position, published).model_copy(update={"published_at": published})
                store.upsert_article(db, site, data, source="demo")
        db.commit()
        pending.drain_site_fully(db, site)
        db.commit()
        labels = sorted(set(db.scalars(select(ArticleLabel.name))))
        article_ids = [a for (a,) in db.execute(select(ArticleLabel.article_id).distinct())]
        site_id = site.id
        confirmed = now - timedelta(days=60)
        for start in range(1, n_subscribers + 1, CHUNK):
            ids = range(start, min(start + CHUNK, n_subscribers + 1))
            rows, interests, sent = [], [], []
            for i in ids:
                email = f"patient{i}@example.org"
                rows.append(
                    {
                        "id": i,
                        "site_id": site_id,
                        "email": email,
                        "email_hash": hashlib.sha256(email.encode()).hexdigest(),
                        "status": "confirmed",
                        "frequency": "daily",
                        "weekday": 0,
                        "hour": 0,
                        "time_zone": "UTC",
                        "paused": False,
                        "reading_history": False,
                        "interest_text": rng.choice(WORDS) if rng.random() < 0.2 else None,
                        "created_at": confirmed,
                        "requested_at": confirmed,
                        "confirmed_at": confirmed,
                        "consent_at": confirmed,
                        "last_digest_at": now - timedelta(days=rng.randint(1, 30)),
                    }
                )
                interests += [{"subscriber_id": i, "topic": t} for t in rng.sample(labels, rng.randint(1, 3))]
                if rng.random() < 0.2:
                    sent += [
                        {"subscriber_id": i, "article_id": a, "sent_at": confirmed} for a in rng.sample(article_ids, 3)
                    ]
            db.execute(insert(Subscriber), rows)
            db.execute(insert(Interest), interests)
            if sent:
                db.execute(insert(SentArticle), sent)
            db.commit()
    app.extensions["db_engine"].dispose()


def phase(name: str, n: int, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` with its own peak-RSS measurement; wall and CPU seconds, subscribers/s, memory."""
    gc.collect()
    before = rss_mb()
    reset_peak_rss()
    wall, cpu = time.perf_counter(), time.process_time()
    figures = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "phase": name,
        "subscribers": n,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "per_s_wall": round(n / wall),
        "per_cpu_s": round(n / max(cpu, 0.001)),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak_rss_since_reset_mb() or 0),
        **figures,
    }


def measure(n_subscribers: int, n_articles: int, batch: int, phases: list[str]) -> list[dict[str, Any]]:
    """Seed a fresh database, then run ``phases`` on it."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="digest-scale-") as folder:
        url = f"sqlite:///{Path(folder) / 'scale.db'}"
        upgrade(url)
        started = time.perf_counter()
        seed(url, Path(folder) / "var", n_subscribers, n_articles, now)
        print(f"{n_subscribers:,} subscribers seeded in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        return run_phases(url, Path(folder) / "var", n_subscribers, batch, phases, now)


def run_phases(
    url: str, var_dir: Path, n_subscribers: int, batch: int, phases: list[str], now: datetime
) -> list[dict[str, Any]]:
    """The ``phases`` (plan, compose, legacy) on a seeded database; each result is also printed to stderr."""
    claim_timeout = digest_run.DEFAULT_CLAIM_TIMEOUT
    app = create_app({"DATABASE_URL": url, "VAR_DIR": str(var_dir), "SECRET_KEY": "bench"})
    with app.app_context():

        def plan() -> dict[str, Any]:
            batches = due = 0
            with database.new_session() as db:
                for _, ids in digest_run.plan_batches(db, now, batch, claim_timeout):
                    batches, due = batches + 1, due + len(ids)
            return {"batches": batches, "due": due}

        def compose_all() -> dict[str, Any]:
            composed = filled = 0
            with database.new_session() as planning:
                for site_id, ids in digest_run.plan_batches(planning, now, batch, claim_timeout):
                    with database.new_session() as db:
                        site = db.get(Site, site_id)
                        assert site is not None
                        due = digest_run.due_subscribers(db, site, now, claim_timeout, only_ids=ids)
                        digests = digest_run.compose_for(db, site, due, now)
                    composed += len(digests)
                    filled += sum(1 for d in digests if d.picks)
                    if composed % 100_000 < batch:
                        cpu = time.process_time()
                        print(f"  composed {composed:,} ({rss_mb():.0f} MB, CPU {cpu:.0f}s)", file=sys.stderr)
            return {"composed": composed, "with_items": filled}

        def plan_legacy() -> dict[str, Any]:
            with database.new_session() as db:
                site = db.scalars(select(Site)).one()
                ids = [d.subscriber.id for d in digest_run.due_subscribers(db, site, now, claim_timeout)]
                return {"due": len(ids)}

        named = {"plan": ("plan", plan), "compose": ("compose", compose_all)}
        named["legacy"] = ("legacy plan (all at once)", plan_legacy)
        results = []
        for which in phases:
            label, work = named[which]
            results.append(phase(label, n_subscribers, work))
            print(json.dumps(results[-1]), file=sys.stderr)
    app.extensions["db_engine"].dispose()
    return results


def _measured(n_subscribers: int, n_articles: int, batch: int, legacy_plan: bool) -> list[dict[str, Any]]:
    argv = [sys.executable, "-m", "benchmarks.digest_scale", "--child", str(n_subscribers)]
    phases = "plan,compose,legacy" if legacy_plan else "plan,compose"
    argv += ["--articles", str(n_articles), "--batch", str(batch), "--phases", phases]
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--baseline-subscribers", type=int, default=100_000, help="0: no baseline")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=200, help="subscribers per batch (DIGEST_BATCH_SIZE)")
    parser.add_argument("--no-legacy-plan", action="store_true", help="skip the old planning at the baseline size")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phases", default="plan,compose", help="with --database: which phases, comma-separated")
    parser.add_argument(
        "--database",
        help="measure --phases (plan, compose, legacy) on a database this benchmark seeded before, "
        "with --subscribers as its size (no seeding, no baseline)",
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.articles, args.batch, args.phases.split(","))))
        return
    if args.database:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        with tempfile.TemporaryDirectory(prefix="digest-scale-var-") as var_dir:
            phases = args.phases.split(",")
            for r in run_phases(args.database, Path(var_dir), args.subscribers, args.batch, phases, now):
                print(json.dumps(r))
        return
    sizes = [(args.baseline_subscribers, not args.no_legacy_plan), (args.subscribers, False)]
    print(
        f"{'subscribers':>11} {'phase':<26} {'wall s':>7} {'CPU s':>7} {'subs/s':>8} {'subs/CPU s':>10} "
        f"{'RSS before':>10} {'peak RSS':>9}"
    )
    for n, legacy in sizes:
        if n <= 0:
            continue
        for r in _measured(n, args.articles, args.batch, legacy):
            print(
                f"{r['subscribers']:>11,} {r['phase']:<26} {r['wall_s']:>7} {r['cpu_s']:>7} {r['per_s_wall']:>8,} "
                f"{r['per_cpu_s']:>10,} {r['rss_before_mb']:>7} MB {r['peak_rss_mb']:>6} MB  "
                + ", ".join(f"{k} {v:,}" for k, v in r.items() if k in ("batches", "due", "composed", "with_items"))
            )
    print(f"articles: {args.articles:,}; batch: {args.batch}; SQLite; one process (one worker) composes every batch")


if __name__ == "__main__":
    main()
