"""Two real `flask jobs run` processes on one database: only one runs jobs; the other takes over when it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from jobs.guard import make_guard
from jobs.models import JobRun, apscheduler_jobs
from jobs.registry import EXTRA_JOBS_ENV, declared_specs
from jobs.scheduler import RUN_FUNC, build_scheduler
from service.db import make_engine
from tests.conftest import REPO_ROOT
from tests.jobs.conftest import SAMPLE_SPECS
from tests.jobs.sample_jobs import PID_FILE_ENV

STARTUP = 90.0  # bound for starting two app processes (seconds when idle; much more on a loaded 2-core machine)
WAIT = 20.0  # bound for the other waits; they normally end within a few seconds


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def pids(pid_file: Path) -> list[int]:
    return [int(line) for line in pid_file.read_text().split()] if pid_file.exists() else []


def seed_retired_job(url: str) -> None:
    """A job stored by an earlier deployment that no longer declares it."""
    engine = make_engine(url)
    scheduler = build_scheduler(engine)
    scheduler.start(paused=True)
    scheduler.add_job(RUN_FUNC, "interval", hours=2, args=["retired_job"], id="retired_job")
    scheduler.shutdown()
    engine.dispose()


def start_scheduler(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--lock-poll", "0.5"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def test_one_scheduler_runs_and_the_other_takes_over(database_url: str, tmp_path: Path) -> None:
    pid_file = tmp_path / "pids.txt"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test",
        "LOG_LEVEL": "INFO",
        EXTRA_JOBS_ENV: SAMPLE_SPECS,
        PID_FILE_ENV: str(pid_file),
    }
    seed_retired_job(database_url)
    logs = {name: tmp_path / f"scheduler-{name}.log" for name in ("a", "b")}
    procs = {name: start_scheduler(env, path) for name, path in logs.items()}
    try:
        wait_until(
            lambda: (
                pids(pid_file) and any("another scheduler holds the lock" in path.read_text() for path in logs.values())
            ),
            "both schedulers",
            STARTUP,
        )
        [holder_pid] = set(pids(pid_file))
        holder = next(name for name, proc in procs.items() if proc.pid == holder_pid)
        other = "b" if holder == "a" else "a"
        assert "another scheduler holds the lock" in logs[other].read_text()
        wait_until(lambda: len(pids(pid_file)) >= 5, "five runs of the pid job")
        assert set(pids(pid_file)) == {holder_pid} and procs[other].poll() is None

        procs[holder].send_signal(signal.SIGKILL)
        procs[holder].wait(timeout=5)
        killed_at = time.monotonic()
        wait_until(lambda: procs[other].pid in pids(pid_file), "the standby to take over", timeout=15)
        assert time.monotonic() - killed_at < 10
        assert set(pids(pid_file)) == {holder_pid, procs[other].pid}

        procs[other].send_signal(signal.SIGTERM)
        assert procs[other].wait(timeout=15) == 0, logs[other].read_text()
        assert "scheduler stopped" in logs[other].read_text()
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for path in logs.values():  # shown by pytest when the test fails
            print(f"--- {path.name}\n{path.read_text()}")

    guard = make_guard(database_url)  # SIGTERM released the lock
    assert guard.try_acquire()
    guard.release()

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = set(connection.scalars(select(apscheduler_jobs.c.id)))
            runs = connection.execute(
                select(JobRun.status, JobRun.origin, JobRun.summary).where(JobRun.job_id == "test_append_pid")
            ).all()
    finally:
        engine.dispose()
    expected = {spec.id for spec in declared_specs(env)}
    assert {"test_append_pid", "test_fail"} <= expected
    assert stored == expected  # declared jobs upserted, the retired one removed
    ok_pids = {summary["pid"] for status, origin, summary in runs if status == "ok" and origin == "scheduler"}
    assert ok_pids == {holder_pid, procs[other].pid}
