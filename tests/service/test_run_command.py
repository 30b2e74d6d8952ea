"""End to end: the README's run command brings up a server that answers /healthz."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 300) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"run.sh exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.mark.slow
def test_run_script_serves_healthz_and_the_demo(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "VAR_DIR": str(tmp_path / "var"), "WEB_WORKERS": "1"}
    env.pop("DATABASE_URL", None)
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(
        [str(REPO_ROOT / "run.sh")], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        assert b'"status":"ok"' in wait_for(f"http://127.0.0.1:{port}/healthz", process).replace(b" ", b"")
        output = (tmp_path / "run.log").read_text()
        key = (tmp_path / "var" / "demo-api-key").read_text().strip()
        assert key.startswith("cr_") and key in output
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/articles?limit=1", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=120)  # four processes stop; the Celery worker finishes its task in hand first
        log.close()
