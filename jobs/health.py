"""Is the scheduler alive, and has each job succeeded as often as its trigger says? (``/readyz`` asks.)

The scheduler holding the lock rewrites one ``scheduler_heartbeats`` row every ``SCHEDULER_HEARTBEAT_SECONDS``;
the heartbeat is stale when three beats were missed. A job is stale when the run its trigger planned after its
last success (or after the scheduler took the lock, when that is later) is overdue by more than the job's
misfire grace time plus a minute, and no run of it is going on now. A job the scheduler has not had time to run
yet is ``waiting``, never stale.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.models import OK, RUNNING, JobRun, SchedulerHeartbeat, latest_run
from jobs.registry import JobSpec, declared_specs

log = logging.getLogger(__name__)

HEARTBEAT_NAME = "scheduler"
#: a heartbeat older than this many intervals is stale
MISSED_BEATS = 3
#: how late a job's planned run may be beyond its misfire grace time before it counts as stale
JOB_SLACK = timedelta(minutes=1)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(db: Session, now: datetime, started_at: datetime) -> None:
    """Record that this scheduler (lock held since ``started_at``) is alive at ``now``; the caller commits."""
    row = db.get(SchedulerHeartbeat, HEARTBEAT_NAME)
    if row is None:
        db.add(SchedulerHeartbeat(name=HEARTBEAT_NAME, holder=holder_name(), started_at=started_at, beat_at=now))
    else:
        row.holder, row.started_at, row.beat_at = holder_name(), started_at, now


def _age(now: datetime, moment: datetime | None) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def _job_health(
    spec: JobSpec, success: JobRun | None, latest: JobRun | None, started_at: datetime | None, now: datetime
) -> dict[str, Any]:
    # judged from the later of its last success and the scheduler's start: a scheduler back after downtime
    # gets one planned run's time to catch up before a job counts as stale
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
    running = latest is not None and latest.status == RUNNING and latest.started_at >= since
    if not overdue:
        status = "ok" if success is not None else "waiting"
    else:
        status = "running" if running else "stale"
    return {**report, "status": status}


def scheduler_health(db: Session, now: datetime, config: Mapping[str, Any]) -> dict[str, Any]:
    """The scheduler's heartbeat and each declared job's last success, with ``ok`` False when any is stale."""
    row = db.scalar(select(SchedulerHeartbeat).where(SchedulerHeartbeat.name == HEARTBEAT_NAME))
    limit = float(config["SCHEDULER_HEARTBEAT_SECONDS"]) * MISSED_BEATS
    if row is None:
        heartbeat: dict[str, Any] = {"status": "missing", "age_s": None, "max_age_s": limit}
    else:
        age = (now - row.beat_at).total_seconds()
        heartbeat = {"status": "ok" if age <= limit else "stale", "age_s": round(age, 1), "max_age_s": limit}
    alive_since = row.started_at if row is not None and heartbeat["status"] == "ok" else None
    jobs = {
        spec.id: _job_health(spec, latest_run(db, spec.id, OK), latest_run(db, spec.id), alive_since, now)
        for spec in declared_specs()
    }
    ok = heartbeat["status"] == "ok" and all(job["status"] != "stale" for job in jobs.values())
    return {"ok": ok, "heartbeat": heartbeat, "jobs": jobs}
