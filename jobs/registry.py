"""The scheduled jobs, declared as data with stable ids (the ids are the keys of the persistent job store).

Each job's ``func`` is its task in ``jobs.tasks`` (a few lines around one domain function). The job store never
holds these functions: every stored job calls ``jobs.runner:run_scheduled`` with its id, which looks the job up
here, so rows stored by earlier deployments stay valid when tasks are renamed or moved.

Why each job's misfire grace time and coalescing (a run is "misfired" when it could not start on time: the
scheduler was down or restarting, or the host was suspended):

- ``send_due_digests`` (every 5 min): coalesce, grace 5 min. A run picks every subscriber due *now* and the
  send ledger makes repeats no-ops, so after downtime one catch-up run is right and several would be waste;
  a run later than one period is simply replaced by the next one.
- ``poll_feeds`` (every minute): coalesce, grace 30 s. Feeds keep their own due times; a late poll is worth
  nothing because the next one is at most a minute away.
- ``refit_indexes`` (03:30 UTC nightly): coalesce, grace 3 h. A restart or deploy around 03:30 should not
  cost a day's refit, but beyond ~06:30 the refit would compete with clinic hours; incremental updates keep
  related lists current until the next night.
- ``drain_related`` (every minute): coalesce, grace 30 s. The fallback of the ``flask related work`` worker
  (which normally empties the queue within seconds): queued related work is done even when no worker runs.
  A run stops after 45 s; what is left stays queued for the next one.
- ``publish_scheduled`` (every minute): coalesce, grace 30 s. It queues every article whose time has come,
  however long ago, so a late or missed run loses nothing and the next one is at most a minute away.
- ``purge_pending_subscribers`` (hourly): coalesce, grace 30 min. Idempotent housekeeping; late is harmless
  and one run covers any number of missed ones.
- ``import_subscribers`` (every minute): coalesce, grace 30 s. Queued imports wait in their table, not in the
  scheduler: a missed run loses nothing, and the next one (at most a minute away) takes every queued import.

Every job has ``max_instances=1`` (set by the scheduler): a run that overruns its interval delays the next one
rather than racing it.

Tests and operators can add jobs with ``CLINIC_READS_EXTRA_JOBS="module:ATTRIBUTE[,module:ATTRIBUTE]"``, each
attribute an iterable of ``JobSpec`` (read when the registry is asked, never at import).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session

from jobs import tasks

EXTRA_JOBS_ENV = "CLINIC_READS_EXTRA_JOBS"
TRIGGERS = {"interval": IntervalTrigger, "cron": CronTrigger}

#: a task: called with an open session, the current time (aware UTC) and the app's settings; returns the summary
Task = Callable[[Session, datetime, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: ``func`` is the task a run calls."""

    id: str
    func: Task
    trigger: str
    trigger_args: Mapping[str, Any]
    misfire_grace_time: int
    coalesce: bool
    description: str
    #: True: the scheduler enqueues the job for a worker (``flask worker``) and returns at once
    on_worker: bool = False
    #: what a worker runs instead of ``func`` (the digest job fans out into batch tasks); None means ``func``
    worker_func: Task | None = None

    def __post_init__(self) -> None:
        if self.trigger not in TRIGGERS:
            raise ValueError(f"job {self.id}: unknown trigger {self.trigger!r} (use {', '.join(TRIGGERS)})")
        if not callable(self.func):
            raise ValueError(f"job {self.id}: func {self.func!r} is not a function")

    def build_trigger(self) -> BaseTrigger:
        """A fresh APScheduler trigger in UTC."""
        return TRIGGERS[self.trigger](**self.trigger_args, timezone=UTC)

    def describe_trigger(self) -> str:
        if self.trigger == "interval":
            parts = [f"{n} {unit[:-1] if n == 1 else unit}" for unit, n in self.trigger_args.items()]
            return "every " + " ".join(parts)
        return "cron " + " ".join(f"{k}={v}" for k, v in self.trigger_args.items()) + " UTC"


DECLARED: tuple[JobSpec, ...] = (
    JobSpec(
        "send_due_digests",
        tasks.send_due_digests,
        "interval",
        {"minutes": 5},
        misfire_grace_time=5 * 60,
        coalesce=True,
        description="Send the email digests that are due (the send ledger makes repeats no-ops).",
        on_worker=True,
        worker_func=tasks.fan_out_digests,
    ),
    JobSpec(
        "poll_feeds",
        tasks.poll_feeds,
        "interval",
        {"minutes": 1},
        misfire_grace_time=30,
        coalesce=True,
        description="Fetch the article feeds that are due and import new or changed articles.",
        on_worker=True,
    ),
    JobSpec(
        "refit_indexes",
        tasks.refit_indexes,
        "cron",
        {"hour": 3, "minute": 30},
        misfire_grace_time=3 * 60 * 60,
        coalesce=True,
        description="Refit every site's TF-IDF index and rebuild its related lists.",
        on_worker=True,
    ),
    JobSpec(
        "drain_related",
        tasks.drain_related,
        "interval",
        {"minutes": 1},
        misfire_grace_time=30,
        coalesce=True,
        description="Update the related lists that writes queued (when no `flask related work` worker did).",
    ),
    JobSpec(
        "publish_scheduled",
        tasks.publish_scheduled,
        "interval",
        {"minutes": 1},
        misfire_grace_time=30,
        coalesce=True,
        description="Queue articles whose scheduled publishing time has come, so they enter related lists.",
    ),
    JobSpec(
        "purge_pending_subscribers",
        tasks.purge_pending_subscribers,
        "interval",
        {"hours": 1},
        misfire_grace_time=30 * 60,
        coalesce=True,
        description=(
            "Delete sign-ups never confirmed within the confirmation window, stale rate-limit counters and job runs"
            " older than 30 days."
        ),
        on_worker=True,
    ),
    JobSpec(
        "import_subscribers",
        tasks.import_subscribers,
        "interval",
        {"minutes": 1},
        misfire_grace_time=30,
        coalesce=True,
        description="Import the subscriber lists too large to import in the request, reporting progress.",
        on_worker=True,
    ),
)


def _import_attribute(ref: str) -> Any:
    """Import ``"module:ATTRIBUTE"`` (raises ImportError or AttributeError)."""
    module_name, _, name = ref.partition(":")
    return getattr(importlib.import_module(module_name), name)


def _extra_specs(environ: Mapping[str, str]) -> list[JobSpec]:
    specs: list[JobSpec] = []
    for ref in filter(None, (part.strip() for part in environ.get(EXTRA_JOBS_ENV, "").split(","))):
        try:
            found = _import_attribute(ref)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"{EXTRA_JOBS_ENV}: cannot import {ref}: {exc}") from exc
        specs.extend(found)
    return specs


def declared_specs(environ: Mapping[str, str] | None = None) -> list[JobSpec]:
    """Every declared job: ``DECLARED`` plus those named by CLINIC_READS_EXTRA_JOBS."""
    specs = [*DECLARED, *_extra_specs(os.environ if environ is None else environ)]
    seen: set[str] = set()
    for spec in specs:
        if not isinstance(spec, JobSpec):
            raise ValueError(f"{EXTRA_JOBS_ENV}: {spec!r} is not a JobSpec")
        if spec.id in seen:
            raise ValueError(f"job id {spec.id!r} is declared twice")
        seen.add(spec.id)
    return specs


def find_spec(job_id: str, specs: Iterable[JobSpec]) -> JobSpec | None:
    return next((spec for spec in specs if spec.id == job_id), None)
