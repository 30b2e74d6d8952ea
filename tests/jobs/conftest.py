from __future__ import annotations

from pathlib import Path

import pytest

from jobs.registry import EXTRA_JOBS_ENV
from tests.jobs.sample_jobs import PID_FILE_ENV

SAMPLE_SPECS = "tests.jobs.sample_jobs:SPECS"


@pytest.fixture
def sample_jobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Declare the test jobs for this test; returns the file the pid job appends to."""
    pid_file = tmp_path / "pids.txt"
    monkeypatch.setenv(EXTRA_JOBS_ENV, SAMPLE_SPECS)
    monkeypatch.setenv(PID_FILE_ENV, str(pid_file))
    return pid_file
