"""The scheduler process (``flask --app wsgi jobs run``): job store, declared jobs, single-runner guard.

APScheduler 3 runs in this process only, never in web workers (N workers would be N schedulers). The loop:
wait for the guard (polling, logging that another scheduler holds it), then start APScheduler on the
application database's ``apscheduler_jobs`` table, sync the declared jobs into it, run until SIGTERM/SIGINT
(or until the lock is lost), shut down waiting for running jobs, release the lock.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy.engine import Engine

from jobs import runner
from jobs.guard import Guard, make_guard
from jobs.health import beat
from jobs.registry import JobSpec, declared_specs
from service import db as database
from service.db import make_engine, utcnow

log = logging.getLogger(__name__)

#: what every stored job calls, with the job id as its one argument: rows in ``apscheduler_jobs`` hold this text,
#: so it must keep naming ``jobs.runner.run_scheduled`` for the rows of existing databases to load
RUN_FUNC = "jobs.runner:run_scheduled"


def build_scheduler(store_engine: Engine) -> BackgroundScheduler:
    """APScheduler storing its jobs through ``store_engine``, in UTC, one instance of each job at a time.

    Give the job store an engine of its own and dispose it after ``shutdown()``: APScheduler's thread polls the
    store once more after shutting it down, which leaves a pooled connection behind.
    """
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=store_engine, tablename="apscheduler_jobs")},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"max_instances": 1},
        timezone=UTC,
    )
    scheduler.add_listener(_log_skipped, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def _log_skipped(event: JobExecutionEvent) -> None:
    why = (
        "its run time was missed beyond the grace time"
        if event.code == EVENT_JOB_MISSED
        else "its previous run is still going"
    )
    log.warning("job %s skipped a run scheduled for %s: %s", event.job_id, event.scheduled_run_time, why)


def _keep_next_run(stored: Job | None, spec: JobSpec) -> datetime | None:
    """The stored next run time when the job's schedule is unchanged, so a run missed while no scheduler was up
    is judged by its misfire grace time instead of silently skipped by re-adding the job."""
    if stored is None or stored.next_run_time is None or str(stored.trigger) != str(spec.build_trigger()):
        return None
    return stored.next_run_time


def sync_jobs(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> None:
    """Upsert ``specs`` into the (started, paused) scheduler's store and remove stored jobs not declared."""
    declared = {spec.id for spec in specs}
    for job in scheduler.get_jobs():
        if job.id not in declared:
            log.info("removing stored job %s: no longer declared", job.id)
            job.remove()
    for spec in specs:
        options = dict(
            id=spec.id,
            name=spec.description,
            args=[spec.id],
            replace_existing=True,
            misfire_grace_time=spec.misfire_grace_time,
            coalesce=spec.coalesce,
            max_instances=1,
        )
        next_run = _keep_next_run(scheduler.get_job(spec.id), spec)
        if next_run is not None:
            options["next_run_time"] = next_run
        scheduler.add_job(RUN_FUNC, spec.build_trigger(), **options)


def _beat(app: Flask, started_at: datetime) -> None:
    """Write the heartbeat; a database hiccup is logged and the scheduler keeps running (readiness shows it)."""
    try:
        with app.app_context(), database.new_session() as db:
            beat(db, utcnow(), started_at)
            db.commit()
    except Exception as exc:  # noqa: BLE001 - a missed beat must not stop the jobs
        log.warning("could not write the scheduler heartbeat: %s", exc.__class__.__name__)


def _run_while_locked(app: Flask, guard: Guard, stop: threading.Event, poll_seconds: float) -> None:
    runner.close_interrupted_runs(app)
    started_at = utcnow()
    heartbeat_seconds = float(app.config["SCHEDULER_HEARTBEAT_SECONDS"])
    store_engine = make_engine(app.config["DATABASE_URL"])
    scheduler = build_scheduler(store_engine)
    scheduler.start(paused=True)
    try:
        specs = declared_specs()
        sync_jobs(scheduler, specs)
        scheduler.resume()
        log.info("scheduler running %d job(s): %s", len(specs), ", ".join(s.id for s in specs) or "none")
        _beat(app, started_at)
        last_beat = time.monotonic()
        while not stop.wait(min(poll_seconds, heartbeat_seconds)):
            if not guard.still_held():
                log.error("lost the scheduler lock (database connection gone); stopping jobs and waiting again")
                break
            if time.monotonic() - last_beat >= heartbeat_seconds:
                _beat(app, started_at)
                last_beat = time.monotonic()
    finally:
        scheduler.shutdown(wait=True)
        store_engine.dispose()
        log.info("scheduler stopped")


def serve(app: Flask, stop: threading.Event, poll_seconds: float = 5.0) -> None:
    """Run the scheduler until ``stop`` is set: wait for the lock, run jobs while holding it."""
    guard = make_guard(app.config["DATABASE_URL"])
    runner.bind_app(app)
    polls = 0
    try:
        while not stop.is_set():
            if not guard.try_acquire():
                # Said once, then about once a minute: a standby scheduler may wait for days.
                level = logging.INFO if polls % max(1, round(60 / poll_seconds)) == 0 else logging.DEBUG
                log.log(
                    level, "another scheduler holds the lock (%s); checking every %ss", guard.description, poll_seconds
                )
                polls += 1
                stop.wait(poll_seconds)
                continue
            log.info("took the scheduler lock (%s)%s", guard.description, " after waiting" if polls else "")
            polls = 0
            _run_while_locked(app, guard, stop, poll_seconds)
            guard.release()
    finally:
        guard.release()
        runner.bind_app(None)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT, with the previous handlers restored afterwards."""
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; stopping after running jobs finish", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
