"""Test-only jobs, declared through ``CLINIC_READS_EXTRA_JOBS=tests.jobs.sample_jobs:SPECS``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from jobs.registry import JobSpec

PID_FILE_ENV = "CLINIC_READS_TEST_PID_FILE"
FAILURE_MESSAGE = "sample failure: the feed server said no"


def append_pid(db: Session, now: datetime, config: Mapping[str, Any]) -> dict[str, int]:
    """Append this process's pid to the file named by CLINIC_READS_TEST_PID_FILE."""
    with open(os.environ[PID_FILE_ENV], "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    return {"pid": os.getpid()}


def fail(db: Session, now: datetime, config: Mapping[str, Any]) -> None:
    raise RuntimeError(FAILURE_MESSAGE)


SPECS = (
    JobSpec(
        "test_append_pid",
        append_pid,
        "interval",
        {"seconds": 1},
        misfire_grace_time=1,
        coalesce=True,
        description="Appends the scheduler's pid to a file.",
    ),
    JobSpec(
        "test_fail",
        fail,
        "interval",
        {"hours": 1},
        misfire_grace_time=60,
        coalesce=True,
        description="Always fails.",
    ),
)

#: a job the scheduler hands to a worker (``CLINIC_READS_EXTRA_JOBS=tests.jobs.sample_jobs:WORKER_SPECS``)
WORKER_SPECS = (
    JobSpec(
        "test_append_pid_on_worker",
        append_pid,
        "interval",
        {"seconds": 1},
        misfire_grace_time=1,
        coalesce=True,
        description="Appends the pid of the worker that ran it to a file.",
        on_worker=True,
    ),
)
