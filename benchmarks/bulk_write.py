"""A 1,000-item bulk write into the demo clinic: how long the answer takes, and how long until every list is current.

    .venv/bin/python -m benchmarks.bulk_write [--items 1000] [--before-items 100] [--patches 20]

On a fresh SQLite file: the demo clinic (1,017 MedlinePlus articles, loaded as ``flask demo load`` does and
drained), copied once for the "before" run. Then, in the same run:

* after: a real ``flask related work`` process runs beside the app; ``POST /api/v1/articles/bulk`` with
  ``--items`` new articles (MedlinePlus topics under new addresses) through the Flask test client: the
  answer's time, then the lag from the answer until no ``related_pending`` row is left (polled every 50 ms);
* single writes after the drain: ``--patches`` PATCHes of one article (the synchronous path on a site of
  1,017 + ``--items`` articles is measured by calling it, whatever the configured ceiling);
* before, on the copy: the write path of earlier releases (every item updates its neighbourhood in the
  request, a refit whenever 10% of the site changed) for ``--before-items`` items, with the per-item time and
  the time ``--items`` would take at that rate (the full run takes minutes: say ``--before-items 1000``).

With ``--site-articles N`` (say 100000) the site is not the demo clinic but N synthetic articles (each mixing a
third of the words of three MedlinePlus topics, as ``benchmarks.digest_speed`` builds them), inserted in bulk
(``executemany``, no API) with their index fitted and stored as a refit stores it
(``index_cache.fit_site_index``: the ``related_index_blobs`` row and the site's index state); the related
lists of those N articles are not computed (a full rebuild at 100k articles takes many minutes of CPU), so the
lag covers the new articles' own lists and any stored list they enter, of which there are none. Seeding takes
minutes and is not measured. Before the bulk, one queued article is drained so the worker has loaded the
stored index, as a running worker has. The single writes and the "before" run are left out in this mode.

Goal: the bulk answers in <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete, insert, select

from articles import store
from articles.demo import DEMO_TOPICS, load_topics, topic_to_article
from articles.models import Article, ArticleLabel
from articles.related import index_cache, pending, updates
from articles.related.models import RelatedPending
from articles.schemas import ArticleIn
from articles.urls import url_key
from benchmarks.digest_speed import articles as synthetic_articles
from clinicreads.app import create_app
from recommender.medlineplus import read_topic_records
from service import db as database
from service.auth import create_api_key
from service.migrations import upgrade
from service.sites import create_site, site_by_slug

ROOT = Path(__file__).resolve().parent.parent
SITE = "demo"


def make_app(url: str, var_dir: Path) -> Flask:
    return create_app({"DATABASE_URL": url, "VAR_DIR": str(var_dir), "SECRET_KEY": "bench", "TESTING": True})


def load_demo(app: Flask) -> str:
    """The demo clinic, lists current; returns an API key."""
    with app.app_context(), database.new_session() as db:
        site = create_site(db, SITE, "Demo clinic")
        with updates.deferred(db, site):
            load_topics(db, site, DEMO_TOPICS)
        _, key = create_api_key(db, site, "bench")
        db.commit()
        pending.drain_site_fully(db, site)
        return key


def load_synthetic(app: Flask, count: int) -> str:
    """A site of ``count`` synthetic published articles inserted in bulk, its index fitted and stored as a refit
    stores it (the articles' own lists are not computed); returns an API key."""
    docs = synthetic_articles(count)
    epoch = datetime(2025, 1, 1, tzinfo=UTC)
    with app.app_context(), database.new_session() as db:
        site = create_site(db, SITE, "Large clinic")
        _, key = create_api_key(db, site, "bench")
        for start in range(0, len(docs), 5000):
            rows, labels = [], []
            for n, doc in enumerate(docs[start : start + 5000], start=start):
                url = f"https://large.example/articles/{n}"
                rows.append(
                    {
                        "site_id": site.id,
                        "canonical_url": url,
                        "url_key": url_key(url),
                        "guid": f"large:{n}",
                        "title": doc.title[:300],
                        "summary": doc.summary,
                        "body_html": f"<p>{doc.body}</p>",
                        "body_text": doc.body,
                        "status": "published",
                        "source": "api",
                        "content_hash": f"{n:064d}",
                        "published_at": epoch,
                        "updated_at": epoch,
                        "created_at": epoch,
                    }
                )
            ids = db.scalars(insert(Article).returning(Article.id, sort_by_parameter_order=True), rows).all()
            for article_id, doc in zip(ids, docs[start : start + 5000], strict=True):
                labels += [
                    {"article_id": article_id, "kind": kind, "name": name, "position": position}
                    for kind, names in (("tag", dict.fromkeys(doc.tags)), ("category", dict.fromkeys(doc.categories)))
                    for position, name in enumerate(names)
                ]
            db.execute(insert(ArticleLabel), labels)
        db.commit()
        index_cache.fit_site_index(db, site)
        db.commit()
        return key


def warm_up(app: Flask) -> None:
    """Queue one existing article and wait until the worker has handled it (it has the index loaded then)."""
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, SITE)
        first = db.scalar(select(Article.id).where(Article.site_id == site.id).order_by(Article.id).limit(1))
        assert first is not None
        updates.queue(db, site, [first])
        db.commit()
    while backlog(app):
        time.sleep(0.05)


def bulk_items(count: int) -> list[dict[str, Any]]:
    """``count`` new articles: MedlinePlus topics under new addresses (an imported back catalogue)."""
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    topics = list(read_topic_records(DEMO_TOPICS))
    items = []
    for n in range(count):
        article = topic_to_article(topics[n % len(topics)], n, epoch).model_dump(mode="json")
        article.update(url=f"https://import.example/{n}", guid=f"import:{n}", title=f"{article['title']} ({n})")
        items.append(article)
    return items


def backlog(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return pending.backlog(db)


def start_worker(url: str, var_dir: Path, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(var_dir), "SECRET_KEY": "bench", "LOG_LEVEL": "INFO"}
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "related", "work", "--poll", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far (Linux ``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_after(
    url: str, var_dir: Path, key: str, items: list[dict[str, Any]], patches: int, lag_limit: float
) -> dict[str, Any]:
    app = make_app(url, var_dir)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    at_demo_size = {}
    if patches:
        at_demo_size = {f"demo_size_{k}": v for k, v in single_writes(app, client, headers, patches).items()}
    worker = start_worker(url, var_dir, var_dir / "worker.log")
    try:
        time.sleep(2.0)  # the worker imports the app and starts polling
        warmed = time.perf_counter()
        warm_up(app)
        warm_up_s = time.perf_counter() - warmed
        started, cpu_started = time.perf_counter(), time.process_time()
        answer = client.post("/api/v1/articles/bulk", json={"items": items}, headers=headers)
        answered, answer_cpu = time.perf_counter(), time.process_time() - cpu_started
        worker_cpu = cpu_seconds(worker.pid)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
        statuses = {item.get("related_status") for item in answer.get_json()["items"]}
        while (left := backlog(app)) and time.perf_counter() - answered < lag_limit:
            time.sleep(0.05)
        current = time.perf_counter()
        worker_cpu = cpu_seconds(worker.pid) - worker_cpu
    finally:
        worker.terminate()
        worker.wait(30)
    result = {
        **at_demo_size,
        "worker_warm_up_s": round(warm_up_s, 1),
        "bulk_answer_s": round(answered - started, 3),
        "bulk_answer_cpu_s": round(answer_cpu, 3),
        "bulk_statuses": sorted(s for s in statuses if s),
    }
    lag = current - answered
    if left:  # stopped at --lag-limit: what was done, and the time the rest would take at that rate
        done = len(items) - left
        result["lists_current_after_limit"] = f"{done} of {len(items)} after {lag:.0f}s"
        result["worker_cpu_s"] = round(worker_cpu, 1)
        if done:
            result["lag_estimate_s"] = round(lag * len(items) / done)
    else:
        result["lag_until_current_s"] = round(lag, 3)
        result["worker_cpu_s"] = round(worker_cpu, 1)
    if patches:
        result.update(single_writes(app, client, headers, patches))
    app.extensions["db_engine"].dispose()
    return result


def single_writes(app: Flask, client: Any, headers: dict[str, str], patches: int) -> dict[str, Any]:
    """PATCH answers on the grown site: with the synchronous update (whatever the configured ceiling), and
    queued only."""
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, SITE)
        ids = list(db.scalars(select(Article.id).where(Article.site_id == site.id).limit(patches)))
        size = pending._published_count(db, site)
    timings: dict[str, list[float]] = {}
    configured = pending.SYNC_SITE_LIMIT
    try:
        for mode, limit in (("current", size), ("pending", -1)):
            pending.SYNC_SITE_LIMIT = limit
            for n, article_id in enumerate(ids):
                started = time.perf_counter()
                reply = client.patch(f"/api/v1/articles/{article_id}", json={"title": f"{mode} {n}"}, headers=headers)
                timings.setdefault(mode, []).append(time.perf_counter() - started)
                assert reply.status_code == 200 and reply.get_json()["related_status"] == mode, reply.get_json()
    finally:
        pending.SYNC_SITE_LIMIT = configured
    return {
        "site_articles": size,
        "patch_sync_median_s": round(statistics.median(timings["current"]), 3),
        "patch_sync_max_s": round(max(timings["current"]), 3),
        "patch_queued_median_s": round(statistics.median(timings["pending"]), 3),
    }


def run_before(url: str, var_dir: Path, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The write path of earlier releases, item by item in one transaction (no response: the store's calls)."""
    app = make_app(url, var_dir)
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, SITE)
        started = time.perf_counter()
        for item in items:
            result = store.upsert_article(db, site, ArticleIn.model_validate(item), source="api")
            locked = index_cache.lock_index(db, site)
            locked.record_change(result.article.id)
            if locked.needs_refit():
                updates.refit_site(db, site, locked)
            else:
                updates.update_around(db, site, [result.article.id], locked)
            db.execute(delete(RelatedPending))
        db.commit()
        seconds = time.perf_counter() - started
    app.extensions["db_engine"].dispose()
    return {
        "before_items": len(items),
        "before_s": round(seconds, 2),
        "before_per_item_s": round(seconds / len(items), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--before-items", type=int, default=100)
    parser.add_argument("--patches", type=int, default=20)
    parser.add_argument("--site-articles", type=int, default=0, help="a synthetic site of this many articles")
    parser.add_argument("--lag-limit", type=float, default=3600, help="stop waiting for the lists after this long")
    args = parser.parse_args()
    if args.site_articles:
        args.patches = args.before_items = 0
    with tempfile.TemporaryDirectory(prefix="bulk-write-") as folder:
        base = Path(folder)
        url, copy_url = f"sqlite:///{base / 'after.db'}", f"sqlite:///{base / 'before.db'}"
        upgrade(url)
        started = time.perf_counter()
        if args.site_articles:
            key = load_synthetic(make_app(url, base / "var"), args.site_articles)
            where = f"a site of {args.site_articles:,} synthetic articles"
            print(f"{where} seeded and its index fitted and stored in {time.perf_counter() - started:.1f}s")
        else:
            key = load_demo(make_app(url, base / "var"))
            where = "the demo clinic"
            print(f"demo clinic loaded and drained in {time.perf_counter() - started:.1f}s")
            shutil.copy(base / "after.db", base / "before.db")
            shutil.copytree(base / "var", base / "var-before")
        items = bulk_items(args.items)
        after = run_after(url, base / "var", key, items, args.patches, args.lag_limit)
        before = run_before(copy_url, base / "var-before", items[: args.before_items]) if args.before_items else {}
    if before:
        before["before_estimate_for_items_s"] = round(before["before_per_item_s"] * args.items, 1)
    print(f"items in the bulk: {args.items} into {where} (SQLite)")
    for name, value in {**after, **before}.items():
        print(f"{name:<32}{value}")
    print("goal: bulk_answer_s <= 2.0: " + ("met" if after["bulk_answer_s"] <= 2.0 else "NOT met"))


if __name__ == "__main__":
    main()
