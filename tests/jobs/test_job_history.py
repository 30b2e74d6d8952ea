"""The hourly housekeeping job prunes old job runs but keeps each job's newest run of each status."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from jobs.models import JobRun
from service import db as database
from service.db import utcnow


def _record(app: Flask, job_id: str, status: str, days_ago: int) -> int:
    with app.app_context(), database.new_session() as db:
        started = utcnow() - timedelta(days=days_ago)
        run = JobRun(job_id=job_id, origin="scheduler", started_at=started, finished_at=started, status=status)
        db.add(run)
        db.commit()
        return run.id


def test_the_hourly_purge_deletes_runs_older_than_30_days_but_each_jobs_newest(app: Flask) -> None:
    old_ok = _record(app, "poll_feeds", "ok", 45)
    old_error = _record(app, "poll_feeds", "error", 40)
    newest_old_error = _record(app, "poll_feeds", "error", 35)
    recent_ok = _record(app, "poll_feeds", "ok", 29)
    only_refit = _record(app, "refit_indexes", "ok", 90)  # a job that has not succeeded since: kept

    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "purge_pending_subscribers"])
    assert result.exit_code == 0, result.output

    with app.app_context(), database.new_session() as db:
        left = set(db.scalars(select(JobRun.id)))
        purge = db.scalars(select(JobRun).where(JobRun.job_id == "purge_pending_subscribers")).one()
        assert purge.status == "ok" and purge.summary["old_job_runs"] == 2
    assert {old_ok, old_error} & left == set()
    assert {newest_old_error, recent_ok, only_refit} <= left

    with app.app_context(), database.new_session() as db:  # a second run finds nothing more to prune
        db.execute(update(JobRun).where(JobRun.id == recent_ok).values(started_at=utcnow() - timedelta(days=31)))
        db.commit()
    app.test_cli_runner().invoke(args=["jobs", "run-once", "purge_pending_subscribers"])
    with app.app_context(), database.new_session() as db:
        assert recent_ok in set(db.scalars(select(JobRun.id)))  # still the newest "ok" of poll_feeds
