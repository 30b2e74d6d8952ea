"""/readyz tells the truth: ready while a real `flask jobs run` beats, 503 once it is killed; a stuck related
queue is not ready either."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from articles.related.models import RelatedPending
from jobs import health
from jobs.models import OK, RUNNING, JobRun
from jobs.registry import declared_specs
from service import db as database
from service.db import utcnow
from tests.conftest import REPO_ROOT, SiteWithKey
from tests.jobs.test_scheduler_process import STARTUP, wait_until


def readiness(client: FlaskClient) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.get_json()


def test_readiness_turns_503_when_the_scheduler_stops(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    app.config["SCHEDULER_HEARTBEAT_SECONDS"] = 0.5
    status, body = readiness(client)
    assert status == 503 and body["scheduler"]["status"] == "missing" and body["database"] == "ok"

    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test",
        "SCHEDULER_HEARTBEAT_SECONDS": "0.5",
    }
    log_path = tmp_path / "scheduler.log"
    with log_path.open("w") as log:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--lock-poll", "0.2"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        answers: list[tuple[int, dict]] = []
        wait_until(lambda: answers.append(readiness(client)) or answers[-1][0] == 200, "readiness", STARTUP)
        status, body = answers[-1]
        assert body["status"] == "ok" and body["scheduler"]["status"] == "ok"
        assert body["scheduler"]["age_s"] <= 1.5
        assert {"send_due_digests", "poll_feeds", "refit_indexes", "drain_related"} <= set(body["jobs"])
        assert all(job["status"] in ("ok", "waiting", "running") for job in body["jobs"].values())
        assert body["related_queue"] == {"depth": 0, "oldest_age_s": None, "max_age_s": 600, "status": "ok"}

        scheduler.send_signal(signal.SIGKILL)
        scheduler.wait(timeout=10)
        answers.clear()
        wait_until(lambda: answers.append(readiness(client)) or answers[-1][0] == 503, "a 503", timeout=10)
        status, body = answers[-1]
        assert body["status"] == "stale" and body["scheduler"]["status"] == "stale"
        assert body["scheduler"]["age_s"] >= 1.5
        assert client.get("/healthz").status_code == 200  # liveness does not depend on the scheduler
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait()
        print(log_path.read_text())


def test_a_related_queue_nobody_drains_is_not_ready(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    with app.app_context(), database.new_session() as db:
        db.add(RelatedPending(site_id=site_a.site.id, article_id=1, queued_at=utcnow() - timedelta(minutes=11)))
        db.commit()
    status, body = readiness(client)
    assert status == 503
    assert body["related_queue"]["depth"] == 1 and body["related_queue"]["status"] == "stale"
    assert body["related_queue"]["oldest_age_s"] >= 660


def test_a_job_overdue_since_its_last_success_is_stale_unless_a_run_is_going_on(
    app: Flask, client: FlaskClient
) -> None:
    now = utcnow()
    with app.app_context(), database.new_session() as db:
        health.beat(db, "test:1", now - timedelta(hours=1), 30.0, now)
        for spec in declared_specs():
            finished = now - (timedelta(minutes=10) if spec.id == "poll_feeds" else timedelta(seconds=30))
            db.add(JobRun(job_id=spec.id, origin="scheduler", started_at=finished, finished_at=finished, status=OK))
        db.commit()
    status, body = readiness(client)
    assert status == 503 and body["scheduler"]["status"] == "ok"
    assert body["jobs"]["poll_feeds"]["status"] == "stale"  # every minute, last success 10 minutes ago
    assert body["jobs"]["poll_feeds"]["last_success_age_s"] >= 600
    assert {job for job, health in body["jobs"].items() if health["status"] != "ok"} == {"poll_feeds"}

    with app.app_context(), database.new_session() as db:
        db.add(JobRun(job_id="poll_feeds", origin="scheduler", started_at=now, status=RUNNING))
        db.commit()
    status, body = readiness(client)
    assert status == 200 and body["jobs"]["poll_feeds"]["status"] == "running"
