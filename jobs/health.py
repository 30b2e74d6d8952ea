"""The scheduler's heartbeat and what it says about the scheduler's health.

The scheduler process rewrites one row of ``scheduler_heartbeat`` every tick (``jobs run --heartbeat``, 30 s by
default) from a job of APScheduler's own loop, and marks it stopped when it shuts down. A process that is alive
but whose scheduling loop died or hangs stops ticking, so readers judge the age of the last tick, not whether a
process exists. :func:`scheduler_health` is what the readiness check and the admin dashboard read.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.models import OK, JobRun, SchedulerHeartbeat, latest_run
from jobs.models import RUNNING as RUN_GOING_ON
from jobs.registry import JobSpec, declared_specs
from service.db import utcnow

HEARTBEAT_ID = 1  # one scheduler runs per database, so one row
#: a heartbeat older than this many ticks means the scheduler is not running jobs
STALE_TICKS = 3

RUNNING, STALE, STOPPED, NEVER_STARTED = "running", "stale", "stopped", "never_started"


def runner_id() -> str:
    """This process as the heartbeat names it: ``<host>:<pid>``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(db: Session, runner: str, started_at: datetime, tick_seconds: float, now: datetime) -> None:
    """Record that the scheduler ``runner`` (running since ``started_at``) is alive at ``now``; commits."""
    row = db.get(SchedulerHeartbeat, HEARTBEAT_ID, populate_existing=True)
    if row is None:
        row = SchedulerHeartbeat(id=HEARTBEAT_ID)
        db.add(row)
    row.runner, row.started_at, row.beat_at = runner, started_at, now
    row.tick_seconds, row.stopped_at = tick_seconds, None
    db.commit()


def mark_stopped(db: Session, runner: str, now: datetime) -> None:
    """Record a clean stop of ``runner`` (a row another scheduler took over since is left alone); commits."""
    row = db.get(SchedulerHeartbeat, HEARTBEAT_ID, populate_existing=True)
    if row is not None and row.runner == runner:
        row.stopped_at = now
        db.commit()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _job_runs(db: Session, job_id: str) -> dict[str, Any]:
    latest = db.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id.desc()).limit(1)).first()
    success = db.scalar(
        select(JobRun.finished_at)
        .where(JobRun.job_id == job_id, JobRun.status == OK)
        .order_by(JobRun.id.desc())
        .limit(1)
    )
    return {
        "last_success": _iso(success),
        "last_run": _iso(latest.started_at) if latest else None,
        "last_status": latest.status if latest else None,
    }


def scheduler_health(db: Session, now: datetime | None = None) -> dict[str, Any]:
    """The scheduler as the database sees it (times ISO 8601 in UTC, ages in seconds):

    ``state`` is ``running`` (ticking on time), ``stale`` (no tick for :data:`STALE_TICKS` ticks: the process
    died or its loop stopped), ``stopped`` (shut down cleanly) or ``never_started``; ``stale`` is true in every
    state but ``running``. ``since`` is when it was last seen working; ``jobs`` gives each declared job's last
    successful finish and its last run.
    """
    now = now or utcnow()
    row = db.get(SchedulerHeartbeat, HEARTBEAT_ID, populate_existing=True)
    jobs = {spec.id: _job_runs(db, spec.id) for spec in declared_specs()}
    if row is None:
        return {
            "state": NEVER_STARTED,
            "stale": True,
            "runner": None,
            "last_tick": None,
            "age_seconds": None,
            "tick_seconds": None,
            "stale_after_seconds": None,
            "since": None,
            "jobs": jobs,
        }
    age = max(0.0, (now - row.beat_at).total_seconds())
    stale_after = STALE_TICKS * row.tick_seconds
    if row.stopped_at is not None:
        state = STOPPED
    else:
        state = STALE if age > stale_after else RUNNING
    return {
        "state": state,
        "stale": state != RUNNING,
        "runner": row.runner,
        "last_tick": _iso(row.beat_at),
        "age_seconds": round(age, 3),
        "tick_seconds": row.tick_seconds,
        "stale_after_seconds": stale_after,
        "since": _iso(row.stopped_at or row.beat_at),
        "jobs": jobs,
    }


#: how late a job's planned run may be beyond its misfire grace time before it counts as stale
JOB_SLACK = timedelta(minutes=1)


def _age(now: datetime, moment: datetime | None) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def _job_readiness(
    spec: JobSpec, success: JobRun | None, latest: JobRun | None, started_at: datetime | None, now: datetime
) -> dict[str, Any]:
    """A job is stale when the run its trigger planned after its last success (or after the scheduler started,
    when that is later) is overdue by more than its misfire grace time plus :data:`JOB_SLACK`, and no run of it
    is going on; a job the scheduler has not had time to run yet is ``waiting``, never stale."""
    moments = [moment for moment in (success.finished_at if success else None, started_at) if moment is not None]
    since = max(moments) if moments else None
    report: dict[str, Any] = {
        "last_success_age_s": _age(now, success.finished_at if success else None),
        "last_status": latest.status if latest else None,
    }
    if since is None:
        return {**report, "status": "waiting"}
    # ``since`` as the previous fire time: an interval trigger built now would otherwise start counting from now
    planned = spec.build_trigger().get_next_fire_time(since, since)
    overdue = planned is not None and now > planned + timedelta(seconds=spec.misfire_grace_time) + JOB_SLACK
    going_on = latest is not None and latest.status == RUN_GOING_ON and latest.started_at >= since
    if not overdue:
        status = "ok" if success is not None else "waiting"
    else:
        status = "running" if going_on else "stale"
    return {**report, "status": status}


def readiness(db: Session, now: datetime | None = None) -> dict[str, Any]:
    """What ``/readyz`` reports of the scheduler: its heartbeat (``ok``, ``stale``, ``stopped`` or ``missing``)
    and each declared job's last success judged against its trigger; ``ok`` is False when any is not well."""
    now = now or utcnow()
    row = db.get(SchedulerHeartbeat, HEARTBEAT_ID, populate_existing=True)
    if row is None:
        heartbeat: dict[str, Any] = {"status": "missing", "age_s": None, "max_age_s": None}
    else:
        limit = STALE_TICKS * row.tick_seconds
        age = (now - row.beat_at).total_seconds()
        status = "stopped" if row.stopped_at is not None else ("ok" if age <= limit else "stale")
        heartbeat = {"status": status, "age_s": round(age, 1), "max_age_s": limit}
    alive_since = row.started_at if row is not None and heartbeat["status"] == "ok" else None
    jobs = {
        spec.id: _job_readiness(spec, latest_run(db, spec.id, OK), latest_run(db, spec.id), alive_since, now)
        for spec in declared_specs()
    }
    ok = heartbeat["status"] == "ok" and all(job["status"] != "stale" for job in jobs.values())
    return {"ok": ok, "heartbeat": heartbeat, "jobs": jobs}
