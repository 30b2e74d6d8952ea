"""Real Celery worker processes (``flask worker``) for tests, on Redis or the embedded filesystem broker.

Tests that need Redis use their own database number (``REDIS_TEST_DB``) and empty it first; without a Redis
server they skip, and with CI=true they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from tests.conftest import REPO_ROOT, require_or_skip

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
#: the Redis database these tests own (flushed before each use)
REDIS_TEST_DB = 11


def redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def fresh_redis_url() -> str:
    """The tests' own Redis database, emptied; skips (fails in CI) when Redis does not answer."""
    require_or_skip(redis_answers(), f"Redis is not answering on {REDIS_HOST}:{REDIS_PORT} (start redis-server)")
    with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=5) as sock:
        sock.sendall(f"SELECT {REDIS_TEST_DB}\r\nFLUSHDB\r\n".encode())
        answer = b""
        while answer.count(b"\r\n") < 2:
            answer += sock.recv(64)
        assert answer == b"+OK\r\n+OK\r\n", answer
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_TEST_DB}"


def broker_for(app: Flask, tmp_path: Path) -> str:
    """Redis for a PostgreSQL app (workers across machines), the embedded filesystem broker for SQLite."""
    if app.config["DATABASE_URL"].startswith("postgresql"):
        return fresh_redis_url()
    return f"filesystem://{tmp_path / 'broker'}"


def service_env(app: Flask, broker_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every process of one test deployment shares."""
    return {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "VAR_DIR": app.config["VAR_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PUBLIC_BASE_URL": "https://service.test",
        "CELERY_BROKER_URL": broker_url,
        "LOG_LEVEL": "WARNING",
        **(extra or {}),
    }


def flask_command(env: Mapping[str, str], *args: str, timeout: float = 120) -> str:
    """Run ``flask --app wsgi ARGS`` to the end; returns its output (fails the test on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO_ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextmanager
def workers(envs: list[Mapping[str, str]], log_dir: Path, *args: str) -> Iterator[list[subprocess.Popen[str]]]:
    """One ``flask worker`` process per environment (solo pool, one task at a time and none taken ahead: the
    task runs in the process itself, so a
    SIGKILL hits the task), each logging to ``log_dir/worker-N.log``; each is stopped when the block ends."""
    logs = [(log_dir / f"worker-{n}.log").open("w") for n in range(len(envs))]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--pool", "solo", "--concurrency", "1", *args],
            cwd=REPO_ROOT,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for env, log in zip(envs, logs, strict=True)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for log in logs:
            log.close()
