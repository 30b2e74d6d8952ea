"""Writes queue their related work; the drainer (in-process, the CLI worker, the scheduled job) makes lists current."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from articles.demo import DEMO_TOPICS, topic_to_article
from articles.related import pending, updates
from articles.related.models import RelatedList
from recommender.medlineplus import read_topic_records
from service import db as database
from service.sites import site_by_slug
from tests.articles.test_related_index import load_demo_topics
from tests.conftest import REPO_ROOT, SiteWithKey, add_site, article_payload

DEMO_SIZE = 1017


def bulk_items(count: int, prefix: str = "import") -> list[dict[str, Any]]:
    """``count`` new articles: MedlinePlus topics under new addresses."""
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    topics = list(read_topic_records(DEMO_TOPICS))
    items = []
    for n in range(count):
        item = topic_to_article(topics[n % len(topics)], n, epoch).model_dump(mode="json")
        item.update(url=f"https://{prefix}.example/{n}", guid=f"{prefix}:{n}", title=f"{item['title']} ({n})")
        items.append(item)
    return items


def lists_of(app: Flask, slug: str) -> dict[int, list[tuple[int, float]]]:
    """Every stored list of the site: (related id, score) in order."""
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        rows = db.execute(select(RelatedList.article_id, RelatedList.items).where(RelatedList.site_id == site.id))
        return {aid: [(item["id"], round(item["score"], 9)) for item in items] for aid, items in rows}


def backlog(app: Flask, slug: str | None = None) -> int:
    with app.app_context(), database.new_session() as db:
        return pending.backlog(db, site_by_slug(db, slug) if slug else None)


def drain_all(app: Flask) -> dict[str, Any]:
    with app.app_context(), database.new_session() as db:
        return pending.drain(db, budget_seconds=600)


def drain_one(app: Flask, slug: str) -> int:
    with app.app_context(), database.new_session() as db:
        return pending.drain_site_fully(db, site_by_slug(db, slug))


def refit(app: Flask, slug: str) -> None:
    with app.app_context(), database.new_session() as db:
        updates.refit_site(db, site_by_slug(db, slug))
        db.commit()


def test_a_1000_item_bulk_into_the_demo_catalogue_answers_pending_and_the_drainer_matches_a_refit(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    load_demo_topics(app, site_a.slug, DEMO_SIZE)
    started = time.perf_counter()
    answer = client.post("/api/v1/articles/bulk", json={"items": bulk_items(1000)}, headers=site_a.headers)
    seconds = time.perf_counter() - started
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["counts"]["created"] == 1000
    assert {item["related_status"] for item in body["items"]} == {"pending"}
    assert seconds < 15, f"the bulk took {seconds:.1f}s (neighbourhoods were updated per item before: ~156s)"
    assert backlog(app) == 1000
    new_id = body["items"][0]["id"]
    shown = client.get(f"/api/v1/articles/{new_id}", headers=site_a.headers).get_json()
    assert shown["related_status"] == "pending"

    result = drain_all(app)
    assert result == {"handled": {site_a.slug: 1000}, "left": 0}
    drained = lists_of(app, site_a.slug)
    assert len(drained) == DEMO_SIZE + 1000 and all(drained.values())
    assert client.get(f"/api/v1/articles/{new_id}", headers=site_a.headers).get_json()["related_status"] == "current"

    refit(app, site_a.slug)
    assert lists_of(app, site_a.slug) == drained


def test_a_bulk_with_repeated_addresses_and_unchanged_items(client: FlaskClient, site_a: SiteWithKey) -> None:
    first = article_payload(url="https://clinic-a.example/one", title="One")
    again = {**first, "title": "One, revised"}
    answer = client.post("/api/v1/articles/bulk", json={"items": [first, again, first]}, headers=site_a.headers)
    items = answer.get_json()["items"]
    assert [item["status"] for item in items] == ["created", "updated", "updated"]
    assert len({item["id"] for item in items}) == 1
    shown = client.get(f"/api/v1/articles/{items[0]['id']}", headers=site_a.headers).get_json()
    assert shown["title"] == "One"
    answer = client.post("/api/v1/articles/bulk", json={"items": [first]}, headers=site_a.headers)
    assert answer.get_json()["items"][0]["status"] == "unchanged"


def test_single_writes_on_a_small_site_are_current_and_above_the_ceiling_pending(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_demo_topics(app, site_a.slug, 40)
    payload = article_payload(url="https://clinic-a.example/asthma", title="Asthma in children", tags=["asthma"])
    created = client.post("/api/v1/articles", json=payload, headers=site_a.headers)
    assert created.status_code == 201 and created.get_json()["related_status"] == "current"
    article_id = created.get_json()["id"]
    assert client.get(f"/api/v1/articles/{article_id}/related", headers=site_a.headers).get_json()["items"]
    assert backlog(app) == 0

    monkeypatch.setattr(pending, "SYNC_SITE_LIMIT", 10)
    patched = client.patch(f"/api/v1/articles/{article_id}", json={"title": "Asthma"}, headers=site_a.headers)
    assert patched.status_code == 200 and patched.get_json()["related_status"] == "pending"
    assert backlog(app) == 1
    result = app.test_cli_runner().invoke(args=["related", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert backlog(app) == 0
    shown = client.get(f"/api/v1/articles/{article_id}", headers=site_a.headers).get_json()
    assert shown["related_status"] == "current"


def test_the_scheduled_job_drains_when_no_worker_runs(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    load_demo_topics(app, site_a.slug, 30)
    client.post("/api/v1/articles/bulk", json={"items": bulk_items(5)}, headers=site_a.headers)
    assert backlog(app) == 5
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "drain_related"])
    assert result.exit_code == 0, result.output
    assert backlog(app) == 0


def write_other_site_while(app: Flask, site: SiteWithKey, work: Any, prefix: str) -> list[float]:
    """Run ``work`` in a thread while writing single articles to ``site``; the writes' answer times."""
    thread = threading.Thread(target=work)
    thread.start()
    client = app.test_client()
    timings = []
    n = 0
    while thread.is_alive() or n < 3:
        started = time.perf_counter()
        answer = client.post(
            "/api/v1/articles",
            json=article_payload(url=f"https://clinic-b.example/{prefix}-{n}", title=f"Other site {n}"),
            headers=site.headers,
        )
        timings.append(time.perf_counter() - started)
        assert answer.status_code == 201, answer.get_json()
        n += 1
    thread.join()
    return timings


def test_writes_to_another_site_are_not_blocked_by_a_bulk_or_its_refit(sqlite_app: Flask) -> None:
    site_a, site_b = add_site(sqlite_app, "clinic-a"), add_site(sqlite_app, "clinic-b")
    load_demo_topics(sqlite_app, site_a.slug, 300)
    items = bulk_items(1000)
    bulk_answer: list[int] = []

    def bulk() -> None:
        answer = sqlite_app.test_client().post("/api/v1/articles/bulk", json={"items": items}, headers=site_a.headers)
        bulk_answer.append(answer.status_code)

    timings = write_other_site_while(sqlite_app, site_b, bulk, "during-bulk")
    assert bulk_answer == [200]
    # the bulk's transaction is short, and so is each of the refit's: never near the 10 s busy timeout
    assert max(timings) < 8, timings
    # the bulk queued its 1,000 articles; site B's writes were settled in their requests or queued by themselves
    assert backlog(sqlite_app, site_a.slug) == 1000

    timings = write_other_site_while(sqlite_app, site_b, lambda: drain_one(sqlite_app, site_a.slug), "during-refit")
    assert max(timings) < 8, timings
    assert backlog(sqlite_app, site_a.slug) == 0
    assert len(lists_of(sqlite_app, site_a.slug)) == 1300


def start_worker(app: Flask, tmp_path: Path, name: str, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "VAR_DIR": app.config["VAR_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],  # shared, as on every machine: it signs the stored indexes
        "LOG_LEVEL": "INFO",
    }
    with (tmp_path / f"worker-{name}.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "related", "work", "--poll", "0.1", *extra],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_two_worker_processes_drain_and_one_killed_mid_drain_loses_nothing(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, tmp_path: Path
) -> None:
    load_demo_topics(app, site_a.slug, 500)
    before = lists_of(app, site_a.slug)
    answer = client.post("/api/v1/articles/bulk", json={"items": bulk_items(40)}, headers=site_a.headers)
    new_ids = {item["id"] for item in answer.get_json()["items"]}
    workers = [start_worker(app, tmp_path, name, "--batch", "2") for name in ("a", "b")]
    try:
        wait_for(lambda: backlog(app) < 34, 120, "the workers to start draining")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        wait_for(lambda: backlog(app) == 0, 180, "the other worker to finish")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        assert workers[1].wait(30) == 0  # SIGTERM: stops after the batch in hand, exits cleanly
    after = lists_of(app, site_a.slug)
    assert new_ids <= set(after) and all(after[i] for i in new_ids)
    assert set(before) <= set(after)
    shown = {related for items in after.values() for related, _ in items}
    assert shown & new_ids  # the new articles entered older lists too


def test_a_killed_worker_leaves_its_batch_queued_and_a_restart_completes_it(sqlite_app: Flask, tmp_path: Path) -> None:
    site = add_site(sqlite_app, "clinic-a")
    load_demo_topics(sqlite_app, site.slug, 400)
    client = sqlite_app.test_client()
    client.post("/api/v1/articles/bulk", json={"items": bulk_items(300)}, headers=site.headers)
    worker = start_worker(sqlite_app, tmp_path, "refit")
    try:
        log = tmp_path / "worker-refit.log"
        wait_for(lambda: "fitted related index" in log.read_text(), 120, "the worker's refit to start writing")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    left = backlog(sqlite_app)
    assert left in (0, 300)  # the refit's rows are deleted only once every list is stored
    restarted = start_worker(sqlite_app, tmp_path, "again", "--once")
    assert restarted.wait(180) == 0
    assert backlog(sqlite_app) == 0
    lists = lists_of(sqlite_app, site.slug)
    assert len(lists) == 700 and all(lists.values())
