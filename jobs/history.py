"""Keeping ``job_runs`` from growing without end: the minute jobs alone record over 4,000 runs a day."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jobs.models import JobRun

#: runs older than this are deleted by the hourly housekeeping job
KEEP_RUNS_FOR = timedelta(days=30)


def prune_job_runs(db: Session, now: datetime, keep_for: timedelta = KEEP_RUNS_FOR) -> int:
    """Delete runs started before ``now - keep_for``; returns how many.

    Each job's newest run of each status is kept whatever its age, so the dashboard, ``jobs list`` and
    ``/readyz`` still know when a rarely run job last succeeded or failed.
    """
    newest = select(func.max(JobRun.id)).group_by(JobRun.job_id, JobRun.status)
    result = db.execute(
        delete(JobRun).where(JobRun.started_at < now - keep_for, JobRun.id.not_in(newest.scalar_subquery()))
    )
    return int(getattr(result, "rowcount", 0) or 0)
