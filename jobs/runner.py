"""Run one job and record it: the one wrapper every scheduled and manual run goes through.

A run is recorded in ``job_runs`` in its own transactions (``running`` first, then ``ok`` or ``error``), so a
failed job never loses its record: the job's own work is rolled back, the failure is logged with its traceback
and written where a person sees it (``jobs list``, the admin dashboard).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, cast

from flask import Flask, current_app, has_app_context
from sqlalchemy import CursorResult, update

from jobs import queue
from jobs.models import ERROR, OK, RUNNING, JobRun
from jobs.registry import declared_specs, find_spec
from service import db as database
from service.db import utcnow
from service.metrics import JOB_DURATION, JOB_RUNS

log = logging.getLogger(__name__)

MANUAL, SCHEDULER, WORKER = "manual", "scheduler", "worker"
_scheduler_app: Flask | None = None


def bind_app(app: Flask | None) -> None:
    """Give scheduled runs the scheduler process's one app.

    APScheduler stores a job as a text reference (``jobs.runner:run_scheduled``) plus plain arguments, so the
    app cannot travel with the job; the scheduler process binds it here once at start.
    """
    global _scheduler_app
    _scheduler_app = app


def run_scheduled(job_id: str) -> None:
    """What the scheduler calls (stored as ``jobs.runner:run_scheduled`` with the job id); the outcome is in
    job_runs and the log. A job declared ``on_worker`` is only enqueued here: a worker runs and records it."""
    if _scheduler_app is None:
        raise RuntimeError("no app bound: scheduled jobs run only inside `flask jobs run`")
    spec = find_spec(job_id, declared_specs())
    if spec is not None and spec.on_worker:
        with _scheduler_app.app_context():
            queue.enqueue(queue.RUN_JOB, job_id=job_id)
        log.info("job %s enqueued for a worker", job_id)
        return
    run_job(job_id, _scheduler_app, origin=SCHEDULER)


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        value = {"result": value}
    return json.loads(json.dumps(value, default=str))


def _start(job_id: str, origin: str) -> int:
    with database.new_session() as db:
        run = JobRun(job_id=job_id, origin=origin, started_at=utcnow(), status=RUNNING)
        db.add(run)
        db.commit()
        return run.id


def _finish(run_id: int, status: str, summary: Any = None, error: str | None = None) -> JobRun:
    with database.new_session() as db:
        run = db.get(JobRun, run_id)
        assert run is not None
        run.status, run.summary, run.error, run.finished_at = status, summary, error, utcnow()
        db.commit()
        return run


def _call(job_id: str, origin: str) -> Any:
    spec = find_spec(job_id, declared_specs())
    if spec is None:
        raise LookupError(f"no job {job_id!r} is declared")
    func = spec.worker_func if origin == WORKER and spec.worker_func is not None else spec.func
    with database.new_session() as db:
        try:
            result = func(db, utcnow(), current_app.config)
            db.commit()
        except BaseException:
            db.rollback()
            raise
    return result


def run_job(job_id: str, app: Flask | None = None, origin: str = MANUAL) -> JobRun:
    """Run the declared job ``job_id`` now in this process and return its recorded JobRun (ok or error).

    ``origin`` is recorded; a worker (``WORKER``) runs the job's ``worker_func`` when it has one."""
    app = app or (current_app._get_current_object() if has_app_context() else None)  # type: ignore[attr-defined]
    if app is None:
        raise RuntimeError("run_job needs an app")
    with app.app_context():
        run_id = _start(job_id, origin)
        started = time.perf_counter()
        try:
            summary = _jsonable(_call(job_id, origin))
        except Exception as exc:
            seconds = time.perf_counter() - started
            log.exception("job %s failed after %.1fs", job_id, seconds)
            _count(job_id, ERROR, seconds)
            return _finish(run_id, ERROR, error=f"{exc.__class__.__name__}: {exc}"[:4000])
        seconds = time.perf_counter() - started
        log.info("job %s ok in %.1fs: %s", job_id, seconds, summary)
        _count(job_id, OK, seconds)
        return _finish(run_id, OK, summary=summary)


def _count(job_id: str, status: str, seconds: float) -> None:
    JOB_RUNS.labels(job_id, status).inc()
    JOB_DURATION.labels(job_id).observe(seconds)


def close_interrupted_runs(app: Flask) -> int:
    """Mark scheduler runs left ``running`` by a scheduler that died; call only while holding the lock."""
    with app.app_context(), database.new_session() as db:
        result = db.execute(
            update(JobRun)
            .where(JobRun.status == RUNNING, JobRun.origin == SCHEDULER)
            .values(
                status=ERROR, finished_at=utcnow(), error="interrupted: the scheduler stopped before the job finished"
            )
        )
        db.commit()
        return cast(CursorResult[Any], result).rowcount
