"""``flask --app wsgi jobs run | list | run-once NAME``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from jobs import queue
from jobs.models import JobRun, last_runs, stored_next_run_times
from jobs.registry import JobSpec, declared_specs, find_spec
from jobs.runner import run_job
from jobs.scheduler import serve, stop_on_signals
from service import db as database
from service.config import default_base_url_warning
from service.db import utcnow

jobs_cli = AppGroup("jobs", help="The scheduler and its jobs.")


#: jobs that send mail to readers
MAIL_JOBS = frozenset({"send_due_digests"})


def _warn_about_links() -> None:
    warning = default_base_url_warning(current_app.config)
    if warning:
        click.echo(f"Warning: {warning}", err=True)


def _specs() -> list[JobSpec]:
    try:
        return declared_specs()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _next_run(spec: JobSpec, stored: dict[str, float | None], now: datetime) -> str:
    if spec.id in stored:
        next_run = stored[spec.id]
        if next_run is None:
            return "next: paused (job store)"
        return f"next {_when(datetime.fromtimestamp(next_run, UTC))} (job store)"
    computed = spec.build_trigger().get_next_fire_time(None, now)
    return f"next {_when(computed)} (from trigger)" if computed else "next: never"


def _last_run(run: JobRun | None) -> str:
    if run is None:
        return "last: never run"
    text = f"last {run.status} {_when(run.started_at)}"
    if run.seconds is not None:
        text += f" ({run.seconds:.1f}s)"
    if run.error:
        text += f": {run.error.splitlines()[0][:200]}"
    return text


@jobs_cli.command("run")
@click.option(
    "--lock-poll",
    "poll_seconds",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between tries of the single-runner lock (and checks that it and the scheduler are alive).",
)
@click.option(
    "--heartbeat",
    "heartbeat_seconds",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between heartbeats (default: the SCHEDULER_HEARTBEAT_SECONDS setting, 30); the scheduler counts "
    "as stale after three missed ones.",
)
def jobs_run(poll_seconds: float, heartbeat_seconds: float | None) -> None:
    """Run the scheduler in this process until SIGTERM/SIGINT (only one runs per database)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    _warn_about_links()
    with stop_on_signals() as stop:
        serve(app, stop, poll_seconds, heartbeat_seconds)


@jobs_cli.command("list")
def jobs_list() -> None:
    """Each declared job: trigger, next run time, last run."""
    specs = _specs()
    now = utcnow()
    with database.new_session() as db:
        stored = stored_next_run_times(db)
        runs = last_runs(db, [spec.id for spec in specs])
    for spec in specs:
        plan = _next_run(spec, stored, now)
        click.echo("\t".join((spec.id, spec.describe_trigger(), plan, _last_run(runs.get(spec.id)))))


@jobs_cli.command("run-once")
@click.argument("name")
def jobs_run_once(name: str) -> None:
    """Run one job now in this process (recorded like a scheduled run); exits 1 if it fails."""
    specs = _specs()
    spec = find_spec(name, specs)
    if spec is None:
        raise click.ClickException(f"no job named {name!r}; declared: {', '.join(s.id for s in specs)}")
    if spec.id in MAIL_JOBS:
        _warn_about_links()
    run = run_job(spec.id)
    if run.status != "ok":
        raise click.ClickException(f"job {name} failed after {run.seconds:.1f}s: {run.error}")
    click.echo(f"job {name} ok in {run.seconds:.1f}s: {json.dumps(run.summary)}")


@jobs_cli.command("enqueue")
@click.argument("name")
def jobs_enqueue(name: str) -> None:
    """Hand one job to the workers now, as the scheduler does, and return (a `flask worker` runs it)."""
    specs = _specs()
    spec = find_spec(name, specs)
    if spec is None:
        raise click.ClickException(f"no job named {name!r}; declared: {', '.join(s.id for s in specs)}")
    queue.enqueue(queue.RUN_JOB, job_id=spec.id)
    click.echo(f"job {name} enqueued")
