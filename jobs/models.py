"""Tables of the scheduler: the record of every job run, and APScheduler's job store.

``apscheduler_jobs`` is declared here with exactly the columns APScheduler 3's SQLAlchemyJobStore creates, so the
migration owns it (autogenerate never proposes to drop it) and tests' table cleanup empties it too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, Index, LargeBinary, String, Table, Text, Unicode, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, UTCDateTime

RUNNING, OK, ERROR = "running", "ok", "error"

apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class JobRun(Base):
    """One run of a scheduled job: what a person reads on the admin dashboard and in ``jobs list``."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_id_started_at", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100))
    origin: Mapped[str] = mapped_column(String(20))  # "scheduler" or "manual" (jobs run-once)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(10))  # running, ok, error
    summary: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SchedulerHeartbeat(Base):
    """The running scheduler's last sign of life: one row per database (id 1), rewritten on every tick.

    The scheduler's own loop writes it, so a process that is alive but whose APScheduler thread stopped stops
    ticking too; :func:`jobs.health.scheduler_health` reads it.
    """

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    runner: Mapped[str] = mapped_column(String(200))  # "<host>:<pid>" of the process holding the lock
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tick_seconds: Mapped[float] = mapped_column(Float)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def last_runs(db: Session, job_ids: list[str] | None = None) -> dict[str, JobRun]:
    """The latest run of each job (of ``job_ids`` when given), by job id."""
    latest = select(func.max(JobRun.id)).group_by(JobRun.job_id)
    if job_ids is not None:
        latest = latest.where(JobRun.job_id.in_(job_ids))
    runs = db.scalars(select(JobRun).where(JobRun.id.in_(latest.scalar_subquery())))
    return {run.job_id: run for run in runs}


def latest_run(db: Session, job_id: str, status: str | None = None) -> JobRun | None:
    """The job's latest run (of ``status`` when given): one walk down the (job_id, started_at) index, however long
    the history is."""
    query = select(JobRun).where(JobRun.job_id == job_id)
    if status is not None:
        query = query.where(JobRun.status == status)
    return db.scalars(query.order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)).first()


def stored_next_run_times(db: Session) -> dict[str, float | None]:
    """Next run times (UTC epoch seconds; None when paused) that a scheduler saved in the job store."""
    rows = db.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time))
    return {job_id: next_run for job_id, next_run in rows}
