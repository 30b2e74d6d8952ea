"""One JSON log line per request from a real gunicorn: a request id in and out, no query string, no address, no
interest, and no second access line from gunicorn; its workers' counters add up in one /metrics scrape."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from flask import Flask

from tests.conftest import REPO_ROOT, add_site
from tests.service.test_run_command import free_port, wait_for

MARKER = "asthma-marker-41c9"
EMAIL = "pat.reader@example.org"


def call(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_gunicorn_logs_one_json_line_per_request_with_its_id(sqlite_app: Flask, tmp_path: Path) -> None:
    add_site(sqlite_app, "clinic-a", origins=["https://clinic-a.example"])
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_app.config["DATABASE_URL"],
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test",
        "LOG_FORMAT": "json",
        "SIGNUP_LIMIT_PER_CLIENT": "1000",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    (tmp_path / "metrics").mkdir()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", server, timeout=120)
        time.sleep(0.3)
        start = len(log_path.read_text().splitlines())
        status, headers = call(f"{base}/healthz", headers={"X-Request-ID": "lb-check-0001"})
        assert status == 200 and headers["X-Request-ID"] == "lb-check-0001"
        status, headers = call(f"{base}/healthz", headers={"X-Request-ID": "not sane <script>"})
        generated = headers["X-Request-ID"]
        assert status == 200 and re.fullmatch(r"[0-9a-f]{32}", generated)
        signup = json.dumps({"email": EMAIL, "topics": [MARKER], "interest_text": MARKER, "frequency": "weekly"})
        status, _ = call(
            f"{base}/api/v1/sites/clinic-a/subscribe", signup.encode(), {"Content-Type": "application/json"}
        )
        assert status in (202, 422)
        call(f"{base}/newsletter/clinic-a/suggest?q={MARKER}")
        call(f"{base}/api/v1/sites/clinic-a/related?url=https://clinic-a.example/{MARKER}")
        call(f"{base}/newsletter/clinic-a/unsubscribe/{'t' * 40}.{MARKER}")
        time.sleep(0.5)
        metrics = [urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode() for _ in range(4)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    newsletter = 'clinicreads_http_requests_total{group="newsletter",method="GET",status="4xx"} 1.0'
    assert all(newsletter in text for text in metrics)  # the same sum whichever worker answers
    assert all(
        'clinicreads_http_requests_total{group="newsletter",method="GET",status="2xx"} 1.0' in t for t in metrics
    )
    lines = log_path.read_text().splitlines()[start:]
    records = [json.loads(line) for line in lines if line.startswith("{")]
    requests = [r for r in records if r["logger"] == "service.requests"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/healthz", 200),
        ("GET", "/healthz", 200),
        ("POST", "/api/v1/sites/clinic-a/subscribe", status),
        ("GET", "/newsletter/clinic-a/suggest", 200),
        ("GET", "/api/v1/sites/clinic-a/related", 404),
        ("GET", "/newsletter/clinic-a/unsubscribe/…", 400),
        *[("GET", "/metrics", 200)] * 4,
    ]
    assert [r["request_id"] for r in requests[:2]] == ["lb-check-0001", generated]
    assert all(isinstance(r["duration_ms"], float) and r["level"] == "INFO" for r in requests)
    whole = "\n".join(lines)
    assert MARKER not in whole and EMAIL not in whole and "example.org" not in whole
    assert not [line for line in lines if not line.startswith("{") and "GET /" in line]  # no access log of gunicorn
