"""A real ``flask jobs run`` process on a SQLite file survives the database being locked across its jobs' fire
times for longer than the busy timeout, and its heartbeat says so."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from jobs import health
from jobs.models import JobRun, SchedulerHeartbeat
from jobs.registry import EXTRA_JOBS_ENV
from service import db as database
from service.db import make_engine, utcnow
from tests.conftest import REPO_ROOT, make_test_app
from tests.jobs.conftest import SAMPLE_SPECS
from tests.jobs.sample_jobs import PID_FILE_ENV
from tests.jobs.test_scheduler_process import STARTUP, pids, wait_until

BUSY_TIMEOUT = 10.0  # PRAGMA busy_timeout of service.db.make_engine, in seconds
HELD = BUSY_TIMEOUT + 4  # how long the test holds SQLite's write lock


def _ok_runs_since(url: str, moment: object) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.scalars(
                select(JobRun.id).where(
                    JobRun.job_id == "test_append_pid", JobRun.status == "ok", JobRun.started_at > moment
                )
            ).all()
    finally:
        engine.dispose()
    return len(rows)


def _heartbeat(url: str) -> SchedulerHeartbeat | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(select(SchedulerHeartbeat)).first()
    finally:
        engine.dispose()
    return row


def test_scheduler_runs_jobs_again_after_the_database_was_locked_past_the_busy_timeout(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file, log_path = tmp_path / "pids.txt", tmp_path / "scheduler.log"
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_url,
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test",
        "LOG_LEVEL": "INFO",
        EXTRA_JOBS_ENV: SAMPLE_SPECS,
        PID_FILE_ENV: str(pid_file),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--lock-poll", "0.5", "--heartbeat", "1"]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
    try:
        wait_until(lambda: len(pids(pid_file)) >= 2 and _heartbeat(sqlite_url) is not None, "first runs", STARTUP)

        holder.execute("BEGIN IMMEDIATE")  # SQLite's one write lock, across several 1 s fire times
        time.sleep(HELD)
        holder.execute("COMMIT")
        released = utcnow()
        runs_before = len(pids(pid_file))

        wait_until(lambda: _ok_runs_since(sqlite_url, released) >= 3, "recorded runs after the lock was released")
        assert len(pids(pid_file)) > runs_before
        wait_until(lambda: _heartbeat(sqlite_url).beat_at > released, "a heartbeat after the lock was released")
        assert process.poll() is None  # the same runner carries on
        monkeypatch.setenv(EXTRA_JOBS_ENV, SAMPLE_SPECS)  # so scheduler_health lists the test jobs too
        app = make_test_app(sqlite_url, tmp_path / "var")
        try:
            with app.app_context(), database.new_session() as db:
                report = health.scheduler_health(db)
        finally:
            app.extensions["db_engine"].dispose()
        assert report["state"] == "running" and not report["stale"], report
        assert report["runner"].endswith(f":{process.pid}")
        last_success = report["jobs"]["test_append_pid"]["last_success"]
        assert last_success is not None and last_success > released.isoformat()

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert _heartbeat(sqlite_url).stopped_at is not None
    finally:
        holder.close()
        if process.poll() is None:
            process.kill()
            process.wait()
        print(log_path.read_text())  # shown by pytest when the test fails
