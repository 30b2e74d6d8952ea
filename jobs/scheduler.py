"""The scheduler process (``flask --app wsgi jobs run``): job store, declared jobs, single-runner guard.

APScheduler 3 runs in this process only, never in web workers (N workers would be N schedulers). The loop:
wait for the guard (polling, logging that another scheduler holds it), then start APScheduler on the
application database's ``apscheduler_jobs`` table, sync the declared jobs into it, run until SIGTERM/SIGINT
(or until the lock is lost), shut down waiting for running jobs, release the lock.

Store errors never stop it silently. APScheduler 3 catches errors of the store only while it looks for due
jobs; one raised while it saves a job's next run time (SQLite "database is locked" past the busy timeout, a
dropped PostgreSQL connection) ends its thread while the process lives on holding the lock. So the job store
retries such errors (:class:`RetryingJobStore`), and the process watches APScheduler's thread on every lock
poll: if it ended anyway, the scheduler is shut down, the lock released and taken again (or by a standby
scheduler), and APScheduler restarts from the stored jobs. A heartbeat job (``jobs.health``) on its own
executor shows a stale scheduler to the readiness check and the admin dashboard.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from jobs import health, runner
from jobs.guard import Guard, make_guard
from jobs.registry import JobSpec, declared_specs
from service import db as database
from service.db import make_engine, utcnow

log = logging.getLogger(__name__)

#: what every stored job calls, with the job id as its one argument: rows in ``apscheduler_jobs`` hold this text,
#: so it must keep naming ``jobs.runner.run_scheduled`` for the rows of existing databases to load
RUN_FUNC = "jobs.runner:run_scheduled"


#: seconds between heartbeats unless ``jobs run --heartbeat`` says otherwise
HEARTBEAT_SECONDS = 30.0
#: how long one job-store operation is retried before the error is let through (and the thread restarted)
STORE_RETRY_SECONDS = 120.0
INTERNAL = "internal"  # the in-memory store and the executor of the heartbeat, apart from the declared jobs


class RetryingJobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store, retrying operational errors (a locked SQLite database, a dropped
    connection) for up to :data:`STORE_RETRY_SECONDS` with a growing pause, instead of raising them into
    APScheduler's thread, which they would end."""

    def __init__(self, *args: Any, retry_seconds: float = STORE_RETRY_SECONDS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.retry_seconds = retry_seconds

    def _retrying(self, what: str, call: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.25
        while True:
            try:
                return call()
            except OperationalError as exc:
                if time.monotonic() + pause > deadline:
                    raise
                log.warning("job store %s failed (%s); retrying in %.1fs", what, exc.orig.__class__.__name__, pause)
                time.sleep(pause)
                pause = min(pause * 2, 5.0)

    def update_job(self, job: Job) -> None:
        self._retrying("update", lambda: super(RetryingJobStore, self).update_job(job))

    def remove_job(self, job_id: str) -> None:
        self._retrying("remove", lambda: super(RetryingJobStore, self).remove_job(job_id))

    def get_next_run_time(self) -> datetime | None:
        return self._retrying("read", lambda: super(RetryingJobStore, self).get_next_run_time())


def build_scheduler(store_engine: Engine) -> BackgroundScheduler:
    """APScheduler storing its jobs through ``store_engine``, in UTC, one instance of each job at a time.

    Give the job store an engine of its own and dispose it after ``shutdown()``: APScheduler's thread polls the
    store once more after shutting it down, which leaves a pooled connection behind.
    """
    scheduler = BackgroundScheduler(
        jobstores={
            "default": RetryingJobStore(engine=store_engine, tablename="apscheduler_jobs"),
            INTERNAL: MemoryJobStore(),
        },
        # the heartbeat has a worker of its own: four long jobs at once must not make the scheduler look stale
        executors={"default": ThreadPoolExecutor(max_workers=4), INTERNAL: ThreadPoolExecutor(max_workers=1)},
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
    for job in scheduler.get_jobs(jobstore="default"):
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


class Heartbeat:
    """Writes this scheduler's heartbeat (``jobs.health``); a failed write is logged and the next tick tries again."""

    def __init__(self, app: Flask, tick_seconds: float):
        self.app, self.tick_seconds = app, tick_seconds
        self.runner, self.started_at = health.runner_id(), utcnow()

    def beat(self) -> None:
        try:
            with self.app.app_context(), database.new_session() as db:
                health.beat(db, self.runner, self.started_at, self.tick_seconds, utcnow())
        except OperationalError as exc:
            log.warning(
                "scheduler heartbeat not written (%s); next try in %ss", exc.orig.__class__.__name__, self.tick_seconds
            )

    def stopped(self) -> None:
        try:
            with self.app.app_context(), database.new_session() as db:
                health.mark_stopped(db, self.runner, utcnow())
        except OperationalError as exc:
            log.warning("scheduler stop not recorded (%s)", exc.orig.__class__.__name__)

    def schedule(self, scheduler: BackgroundScheduler) -> None:
        scheduler.add_job(
            self.beat,
            "interval",
            seconds=self.tick_seconds,
            id="heartbeat",
            jobstore=INTERNAL,
            executor=INTERNAL,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            replace_existing=True,
        )


def _thread_alive(scheduler: BackgroundScheduler) -> bool:
    """Whether APScheduler's loop still runs: an error it does not catch ends its thread, and nothing else says so."""
    thread = getattr(scheduler, "_thread", None)
    return thread is not None and thread.is_alive()


def _run_while_locked(
    app: Flask, guard: Guard, stop: threading.Event, poll_seconds: float, heartbeat_seconds: float
) -> bool:
    """Run jobs until ``stop``, a lost lock or a dead APScheduler thread; True when it must start over."""
    runner.close_interrupted_runs(app)
    store_engine = make_engine(app.config["DATABASE_URL"])
    scheduler = build_scheduler(store_engine)
    heartbeat = Heartbeat(app, heartbeat_seconds)
    restart = False
    scheduler.start(paused=True)
    try:
        specs = declared_specs()
        sync_jobs(scheduler, specs)
        heartbeat.beat()
        heartbeat.schedule(scheduler)
        scheduler.resume()
        log.info("scheduler running %d job(s): %s", len(specs), ", ".join(s.id for s in specs) or "none")
        while not stop.wait(poll_seconds):
            if not guard.still_held():
                log.error("lost the scheduler lock (database connection gone); stopping jobs and waiting again")
                break
            if not _thread_alive(scheduler):
                log.error("the scheduling thread ended on an error; restarting the scheduler from its job store")
                restart = True
                break
    finally:
        scheduler.shutdown(wait=True)
        store_engine.dispose()
        if not restart:
            heartbeat.stopped()
        log.info("scheduler stopped")
    return restart


def serve(app: Flask, stop: threading.Event, poll_seconds: float = 5.0, heartbeat_seconds: float | None = None) -> None:
    """Run the scheduler until ``stop`` is set: wait for the lock, run jobs while holding it (heartbeat every
    ``heartbeat_seconds``, by default the ``SCHEDULER_HEARTBEAT_SECONDS`` setting)."""
    if heartbeat_seconds is None:
        heartbeat_seconds = float(app.config.get("SCHEDULER_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
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
            if _run_while_locked(app, guard, stop, poll_seconds, heartbeat_seconds):
                polls = 1  # logged as taken "after waiting": a standby may take over meanwhile
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
