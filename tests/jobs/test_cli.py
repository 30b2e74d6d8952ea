"""`jobs list` and `jobs run-once`, in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from jobs.models import JobRun
from jobs.registry import DECLARED, declared_specs
from jobs.scheduler import RUN_FUNC, build_scheduler, sync_jobs
from service import db as database
from tests.jobs.sample_jobs import FAILURE_MESSAGE


def _runs(app: Flask, job_id: str) -> list[JobRun]:
    with app.app_context(), database.new_session() as db:
        return list(db.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)))


def _lines(output: str) -> dict[str, str]:
    return {line.split("\t", 1)[0]: line for line in output.splitlines() if "\t" in line}


def test_list_shows_every_declared_job(app: Flask, runner: Any, sample_jobs: Path) -> None:
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    lines = _lines(result.output)
    assert set(lines) == {spec.id for spec in DECLARED} | {"test_append_pid", "test_fail"}
    assert "every 5 minutes" in lines["send_due_digests"]
    assert "every 1 minute\t" in lines["poll_feeds"]
    assert "cron hour=3 minute=30 UTC" in lines["refit_indexes"]
    assert "every 1 hour\t" in lines["purge_pending_subscribers"]
    assert "(from trigger)" in lines["test_fail"] and "last: never run" in lines["test_fail"]


def test_run_once_records_an_ok_run(app: Flask, runner: Any, sample_jobs: Path) -> None:
    result = runner.invoke(args=["jobs", "run-once", "test_append_pid"])
    assert result.exit_code == 0, result.output
    assert f'"pid": {os.getpid()}' in result.output
    assert sample_jobs.read_text() == f"{os.getpid()}\n"
    [run] = _runs(app, "test_append_pid")
    assert (run.status, run.origin, run.summary, run.error) == ("ok", "manual", {"pid": os.getpid()}, None)
    assert run.started_at <= run.finished_at
    listed = _lines(runner.invoke(args=["jobs", "list"]).output)["test_append_pid"]
    assert f"last ok {run.started_at:%Y-%m-%d %H:%M:%S} UTC" in listed


def test_run_once_of_a_failing_job_exits_non_zero_and_records_the_error(
    app: Flask, runner: Any, sample_jobs: Path
) -> None:
    result = runner.invoke(args=["jobs", "run-once", "test_fail"])
    assert result.exit_code == 1
    assert FAILURE_MESSAGE in result.output
    [run] = _runs(app, "test_fail")
    assert run.status == "error" and run.finished_at is not None
    assert run.error == f"RuntimeError: {FAILURE_MESSAGE}"
    listed = _lines(runner.invoke(args=["jobs", "list"]).output)["test_fail"]
    assert "last error" in listed and FAILURE_MESSAGE in listed


def test_run_once_refuses_unknown_jobs(app: Flask, runner: Any, sample_jobs: Path) -> None:
    unknown = runner.invoke(args=["jobs", "run-once", "no_such_job"])
    assert unknown.exit_code == 1 and "no job named 'no_such_job'" in unknown.output
    assert "declared: send_due_digests, poll_feeds," in unknown.output and "test_fail" in unknown.output
    assert _runs(app, "no_such_job") == []


def test_sync_upserts_declared_jobs_and_removes_the_others(app: Flask, runner: Any, sample_jobs: Path) -> None:
    specs = [spec for spec in declared_specs() if spec.id in ("test_append_pid", "test_fail")]
    with app.app_context():
        scheduler = build_scheduler(database.engine())
        scheduler.start(paused=True)
        scheduler.add_job(RUN_FUNC, "interval", hours=2, args=["retired_job"], id="retired_job")
        sync_jobs(scheduler, specs)
        stored = {job.id: job for job in scheduler.get_jobs()}
        sync_jobs(scheduler, specs)  # a restart with the same schedule keeps the stored next run times
        again = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        scheduler.shutdown()
    assert again == {job_id: job.next_run_time for job_id, job in stored.items()}
    assert set(stored) == {"test_append_pid", "test_fail"}
    assert stored["test_fail"].misfire_grace_time == 60 and stored["test_fail"].max_instances == 1
    listed = _lines(runner.invoke(args=["jobs", "list"]).output)
    assert f"next {stored['test_fail'].next_run_time:%Y-%m-%d %H:%M:%S} UTC (job store)" in listed["test_fail"]
    assert "(from trigger)" in listed["poll_feeds"]
