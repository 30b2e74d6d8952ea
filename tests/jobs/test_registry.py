"""The job declarations and the runner's bookkeeping, in process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from jobs.models import JobRun
from jobs.registry import DECLARED, EXTRA_JOBS_ENV, JobSpec, declared_specs, resolve
from jobs.runner import SCHEDULER, close_interrupted_runs
from service import db as database
from service.db import utcnow


def test_declared_jobs_are_well_formed() -> None:
    assert [spec.id for spec in DECLARED] == [
        "send_due_digests",
        "poll_feeds",
        "refit_indexes",
        "purge_pending_subscribers",
    ]
    for spec in DECLARED:
        assert callable(resolve(spec.func)) and spec.requires
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


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown trigger"):
        JobSpec("x", "a:b", "date", {}, misfire_grace_time=1, coalesce=True, description="")
    with pytest.raises(ValueError, match="not a 'module:function'"):
        JobSpec("x", "a.b", "cron", {}, misfire_grace_time=1, coalesce=True, description="")


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
