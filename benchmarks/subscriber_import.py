"""Importing a 100,000-row subscriber list: rows per second and peak memory, against one-at-a-time sign-ups.

    .venv/bin/python -m benchmarks.subscriber_import [--rows 100000] [--baseline-rows 2000] [--database-url URL]

On a fresh SQLite file (or the PostgreSQL database given, which must be empty), a site with 5 reader topics and
10,000 subscribers already there. The file: ``--rows`` rows, of which 85% subscribed with a consent date and one
or two topics, 8% pending, 3% unsubscribed, 2% addresses given twice, 1% already subscribed and 1% invalid.
Then, in the same run:

* the file is posted to ``POST /api/v1/subscribers/imports`` (Flask test client; it is queued, being over 1,000
  rows) and the ``import_subscribers`` job imports it: the post's time, the job's time and rows per second;
* the same file as a dry run, by the job;
* peak memory: Python's allocations (``tracemalloc``) over a second real import of the file into another site,
  and the process's peak resident size;
* baseline: ``--baseline-rows`` rows imported one at a time through the sign-up's domain function
  (``newsletter.subscriptions.request_subscription`` and a commit per row, what a script without this feature
  would do), and the ratio of rows per second.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import insert

from clinicreads.app import create_app
from newsletter.import_jobs import run_queued_imports
from newsletter.inputs import Preferences, Signup, email_hash
from newsletter.models import ReaderTopic, Subscriber
from newsletter.subscriptions import request_subscription
from service import db as database
from service.auth import create_api_key
from service.migrations import upgrade
from service.sites import Site, create_site

TOPICS = ("Back pain", "Sleep", "Diabetes", "Heart health", "Pregnancy")
EXISTING = 10_000


def make_app(url: str, var_dir: Path) -> Flask:
    return create_app(
        {"DATABASE_URL": url, "VAR_DIR": str(var_dir), "SECRET_KEY": "bench", "TESTING": True, "LOG_LEVEL": "WARNING"}
    )


def make_site(app: Flask, slug: str) -> tuple[int, str]:
    """A site with the reader topics and ``EXISTING`` subscribers; returns its id and an API key."""
    with app.app_context(), database.new_session() as db:
        site = create_site(db, slug, slug.title())
        for position, name in enumerate(TOPICS):
            db.add(ReaderTopic(site_id=site.id, name=name, name_key=name.casefold(), position=position))
        _, key = create_api_key(db, site, "bench", ["subscribers"])
        db.execute(
            insert(Subscriber),
            [
                {
                    "site_id": site.id,
                    "email": f"existing{n}@example.org",
                    "email_hash": email_hash(f"existing{n}@example.org"),
                    "status": "confirmed",
                }
                for n in range(EXISTING)
            ],
        )
        db.commit()
        return site.id, key


def make_csv(rows: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    lines = ["email,status,consent_date,consent_source,topics"]
    for n in range(rows):
        roll = rng.random()
        topics = ";".join(rng.sample(TOPICS, rng.choice((1, 2))))
        if roll < 0.01:
            lines.append(f"not an address {n},subscribed,2024-01-01,,")
        elif roll < 0.02:
            lines.append(f"existing{n % EXISTING}@example.org,subscribed,2024-01-01,,")
        elif roll < 0.04 and n > 0:
            lines.append(f"reader{n - 1}@example.com,subscribed,2024-01-01,,")
        elif roll < 0.07:
            lines.append(f"reader{n}@example.com,unsubscribed,,,")
        elif roll < 0.15:
            lines.append(f"reader{n}@example.com,pending,,Spring campaign,{topics}")
        else:
            lines.append(f"reader{n}@example.com,subscribed,2024-0{1 + n % 9}-1{n % 9},Waiting-room form,{topics}")
    return "\n".join(lines) + "\n"


def post_and_run(app: Flask, key: str, text: str, dry_run: bool) -> tuple[float, float, dict[str, int]]:
    client = app.test_client()
    started = time.perf_counter()
    response = client.post(
        "/api/v1/subscribers/imports" + ("?dry_run=true" if dry_run else ""),
        data=text.encode(),
        content_type="text/csv",
        headers={"Authorization": f"Bearer {key}"},
    )
    posted = time.perf_counter() - started
    assert response.status_code == 202, response.get_data(as_text=True)
    started = time.perf_counter()
    with app.app_context(), database.new_session() as db:
        summary = run_queued_imports(db, datetime.now(UTC))
    ran = time.perf_counter() - started
    assert summary == {"finished": 1, "failed": 0}, summary
    report = client.get(response.headers["Location"], headers={"Authorization": f"Bearer {key}"}).get_json()
    return posted, ran, report["report"]["counts"]


def baseline(app: Flask, site_id: int, rows: int) -> float:
    """Seconds to sign up ``rows`` addresses one at a time (a commit each), as a script without imports would."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    with app.app_context(), database.new_session() as db:
        site = db.get(Site, site_id)
        assert site is not None
        for n in range(rows):
            signup = Signup(f"baseline{n}@example.com", Preferences(topics=["Back pain"]), source="import")
            request_subscription(db, site, signup, now)
            db.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        app = make_app(url, Path(folder) / "var")
        text = make_csv(args.rows)
        print(f"database: {url.split(':')[0]}; file: {args.rows:,} rows, {len(text.encode()) / 1e6:.1f} MB")

        site_id, key = make_site(app, "bench")
        posted, ran, counts = post_and_run(app, key, text, dry_run=True)
        print(f"dry run:  post {posted:.2f} s, job {ran:.1f} s = {args.rows / ran:,.0f} rows/s  {counts}")
        posted, ran, counts = post_and_run(app, key, text, dry_run=False)
        import_rate = args.rows / ran
        print(f"import:   post {posted:.2f} s, job {ran:.1f} s = {import_rate:,.0f} rows/s  {counts}")

        _, key2 = make_site(app, "bench-traced")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        post_and_run(app, key2, text, dry_run=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"memory:   peak Python allocations during an import {peak / 1e6:.0f} MB;"
            f" peak RSS {rss_after:.0f} MB (before the traced import {rss_before:.0f} MB)"
        )

        spent = baseline(app, site_id, args.baseline_rows)
        base_rate = args.baseline_rows / spent
        print(f"baseline: {args.baseline_rows:,} one-at-a-time sign-ups in {spent:.1f} s = {base_rate:,.0f} rows/s")
        print(f"ratio:    import {import_rate / base_rate:.1f}x the baseline's rows/s")
        app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
