"""The scheduler is the clock and the workers do the work: with a real `flask jobs run` and a real
`flask worker` (over Redis with PostgreSQL, over the embedded filesystem broker with SQLite), a job declared on
worker runs in the worker's process, never the scheduler's, and is recorded with origin ``worker``; `jobs
enqueue` hands a job to the workers the same way."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from jobs.models import JobRun
from jobs.registry import EXTRA_JOBS_ENV
from service import db as database
from tests.conftest import REPO_ROOT
from tests.jobs.celery_workers import broker_for, flask_command, service_env, workers
from tests.jobs.sample_jobs import PID_FILE_ENV

WAIT = 120.0  # starting app processes on a loaded 2-core machine


def runs(app: Flask, job_id: str) -> list[tuple[str, str]]:
    with app.app_context(), database.new_session() as db:
        return [(r.origin, r.status) for r in db.scalars(select(JobRun).where(JobRun.job_id == job_id))]


def wait_for(condition: object, seconds: float = WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_scheduled_job_on_worker_runs_in_the_worker_process(app: Flask, tmp_path: Path) -> None:
    pid_file = tmp_path / "pids.txt"
    env = service_env(
        app,
        broker_for(app, tmp_path),
        {EXTRA_JOBS_ENV: "tests.jobs.sample_jobs:WORKER_SPECS", PID_FILE_ENV: str(pid_file)},
    )
    with (tmp_path / "scheduler.log").open("w") as log:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--lock-poll", "0.5"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        with workers([env], tmp_path) as (worker,):
            assert wait_for(lambda: len(runs(app, "test_append_pid_on_worker")) >= 2), tmp_path / "scheduler.log"
            assert wait_for(lambda: pid_file.exists() and len(pid_file.read_text().split()) >= 2)
            ran_in = {int(pid) for pid in pid_file.read_text().split()}
            assert ran_in == {worker.pid}, (ran_in, worker.pid, scheduler.pid)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    assert ("worker", "ok") in runs(app, "test_append_pid_on_worker")
    assert {origin for origin, _ in runs(app, "test_append_pid_on_worker")} == {"worker"}


def test_jobs_enqueue_hands_a_job_to_a_worker(app: Flask, tmp_path: Path) -> None:
    env = service_env(app, broker_for(app, tmp_path))
    assert "enqueued" in flask_command(env, "jobs", "enqueue", "purge_pending_subscribers")
    assert runs(app, "purge_pending_subscribers") == []  # queued: nothing ran in the enqueuing process
    with workers([env], tmp_path):
        assert wait_for(lambda: runs(app, "purge_pending_subscribers") == [("worker", "ok")])


def test_jobs_enqueue_refuses_an_unknown_job(app: Flask, tmp_path: Path) -> None:
    env = service_env(app, broker_for(app, tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "enqueue", "no_such_job"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "no job named 'no_such_job'" in done.stderr
