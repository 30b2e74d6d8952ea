"""run.sh logs each request once, by path, never with its query string (it can carry interests and tokens)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.service.test_run_command import free_port, wait_for

MARKER = "diabetes-marker-7f3a"


@pytest.mark.slow
def test_the_access_log_never_records_query_strings(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "VAR_DIR": str(tmp_path / "var"), "WEB_WORKERS": "1"}
    env.pop("DATABASE_URL", None)
    log_path = tmp_path / "run.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(REPO_ROOT / "run.sh")], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        base = f"http://127.0.0.1:{port}"
        for path in (
            f"/newsletter/demo/suggest?q={MARKER}",
            f"/newsletter/demo/unsubscribe/token-{MARKER}?t={MARKER}",
            f"/api/v1/widget/demo/related?url=https://x.example/{MARKER}",
        ):
            request = urllib.request.Request(base + path, headers={"Referer": f"https://clinic.example/?q={MARKER}"})
            try:
                urllib.request.urlopen(request, timeout=10).read()
            except urllib.error.HTTPError:
                pass  # the status does not matter here, the log line does
        time.sleep(1)
        output = log_path.read_text()
        assert output.count("GET /newsletter/demo/suggest 200") == 1  # the app's line; gunicorn's access log is off
        assert "HTTP/1.1" not in output
        assert f"?q={MARKER}" not in output and f"?t={MARKER}" not in output and "url=https" not in output
        assert f"clinic.example/?q={MARKER}" not in output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=120)  # four processes stop; the Celery worker finishes its task in hand first
        log.close()
