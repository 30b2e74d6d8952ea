"""The job declarations and the runner's bookkeeping, in process."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.util import ref_to_obj
from flask import Flask
from sqlalchemy import select

from jobs import tasks
from jobs.models import JobRun
from jobs.registry import DECLARED, EXTRA_JOBS_ENV, JobSpec, declared_specs
from jobs.runner import SCHEDULER, bind_app, close_interrupted_runs, run_scheduled
from jobs.scheduler import RUN_FUNC
from service import db as database
from service.db import utcnow


def test_declared_jobs_are_well_formed() -> None:
    assert [spec.id for spec in DECLARED] == [
        "send_due_digests",
        "poll_feeds",
        "refit_indexes",
        "drain_related",
        "publish_scheduled",
        "purge_pending_subscribers",
        "import_subscribers",
    ]
    for spec in DECLARED:
        assert spec.func is getattr(tasks, spec.id)
        assert spec.build_trigger().get_next_fire_time(None, utcnow()) > utcnow()
        assert 0 < spec.misfire_grace_time and spec.coalesce


@pytest.mark.parametrize(
    "value, message",
    [
        ("tests.jobs.no_such_module:SPECS", "cannot import tests.jobs.no_such_module:SPECS"),
        ("tests.jobs.sample_jobs:NOPE", "cannot import tests.jobs.sample_jobs:NOPE"),
        ("tests.jobs.sample_jobs:SPECS,tests.jobs.sample_jobs:SPECS", "declared twice"),
        ("tests.jobs.sample_jobs:PID_FILE_ENV", "is not a JobSpec"),
    ],
)
def test_bad_extra_jobs_are_refused(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        declared_specs({EXTRA_JOBS_ENV: value})


def test_declared_schedules() -> None:
    schedules = {
        spec.id: (spec.trigger, dict(spec.trigger_args), spec.misfire_grace_time, spec.coalesce) for spec in DECLARED
    }
    assert schedules == {
        "send_due_digests": ("interval", {"minutes": 5}, 300, True),
        "poll_feeds": ("interval", {"minutes": 1}, 30, True),
        "refit_indexes": ("cron", {"hour": 3, "minute": 30}, 3 * 60 * 60, True),
        "drain_related": ("interval", {"minutes": 1}, 30, True),
        "publish_scheduled": ("interval", {"minutes": 1}, 30, True),
        "purge_pending_subscribers": ("interval", {"hours": 1}, 30 * 60, True),
        "import_subscribers": ("interval", {"minutes": 1}, 30, True),
    }


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown trigger"):
        JobSpec("x", tasks.poll_feeds, "date", {}, misfire_grace_time=1, coalesce=True, description="")
    with pytest.raises(ValueError, match="is not a function"):
        JobSpec("x", "jobs.tasks:poll_feeds", "cron", {}, misfire_grace_time=1, coalesce=True, description="")


def test_stored_jobs_keep_calling_run_scheduled() -> None:
    """Rows in existing job stores hold this reference; APScheduler resolves it when it loads them."""
    assert RUN_FUNC == "jobs.runner:run_scheduled"
    assert ref_to_obj(RUN_FUNC) is run_scheduled


def _runs(app: Flask, job_id: str) -> list[JobRun]:
    with app.app_context(), database.new_session() as db:
        return list(db.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id)))


def test_run_scheduled_finds_the_job_by_id(app: Flask, sample_jobs: Path) -> None:
    bind_app(app)
    try:
        run_scheduled("test_append_pid")
        run_scheduled("retired_job")
    finally:
        bind_app(None)
    assert sample_jobs.read_text() == f"{os.getpid()}\n"
    [ran] = _runs(app, "test_append_pid")
    assert (ran.status, ran.origin, ran.summary) == ("ok", SCHEDULER, {"pid": os.getpid()})
    [retired] = _runs(app, "retired_job")
    assert (retired.status, retired.origin) == ("error", SCHEDULER)
    assert retired.error == "LookupError: no job 'retired_job' is declared"


def test_runs_left_running_by_a_dead_scheduler_are_closed(app: Flask) -> None:
    with app.app_context(), database.new_session() as db:
        started = utcnow() - timedelta(minutes=3)
        db.add_all(
            [
                JobRun(job_id="poll_feeds", origin=SCHEDULER, started_at=started, status="running"),
                JobRun(job_id="poll_feeds", origin="manual", started_at=started, status="running"),
            ]
        )
        db.commit()
    assert close_interrupted_runs(app) == 1
    with app.app_context(), database.new_session() as db:
        runs = {run.origin: run for run in db.query(JobRun)}
        assert runs[SCHEDULER].status == "error" and "interrupted" in (runs[SCHEDULER].error or "")
        assert runs["manual"].status == "running"
