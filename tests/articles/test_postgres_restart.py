"""A PostgreSQL restart under traffic: requests caught by it may fail with a clear 503, none after it.

The test starts a private PostgreSQL (``initdb``/``pg_ctl`` from ``/usr/lib/postgresql/*/bin``) on a free port
so it can restart it without touching the shared server. Without the binaries it is skipped, except in CI.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from service.migrations import upgrade
from tests.articles.test_related_faults import assert_lists_reference_only_committed_articles
from tests.conftest import add_site, article_payload, make_test_app, require_or_skip

pytestmark = pytest.mark.postgres

OK = {200, 201}


class PrivatePostgres:
    """A throw-away PostgreSQL cluster: data directory, port, and the commands to start, stop and restart it."""

    def __init__(self, bin_dir: Path, root: Path):
        self.bin_dir, self.root = bin_dir, root
        self.data, self.log = root / "data", root / "server.log"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/clinicreads"

    def _run(self, *command: str) -> None:
        argv = [str(self.bin_dir / command[0]), *command[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            argv = ["runuser", "-u", "postgres", "--", *argv]
        # output to a file, not a pipe: the server started by pg_ctl keeps its inherited descriptors open
        with (self.root / "commands.log").open("a") as output:
            subprocess.run(argv, check=True, stdout=output, stderr=subprocess.STDOUT, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        admin = create_engine(self.url.replace("/clinicreads", "/postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE clinicreads"))
        admin.dispose()
        upgrade(self.url)

    def restart(self) -> None:
        """Stop (``-m fast``: every session is cut, open transactions abort) and start again, waiting for both."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass  # not running


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = _postgres_bin()
    require_or_skip(bin_dir is not None, "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
    assert bin_dir is not None
    # the cluster's owner must reach its directory: pytest's tmp_path is private to the user running the tests
    root = Path(tempfile.mkdtemp(prefix="clinicreads-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PrivatePostgres(bin_dir, root)
    try:
        server.init()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_a_postgres_restart_under_traffic_leaves_no_error_after_it(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    app: Flask = make_test_app(private_postgres.url, tmp_path / "var")
    site = add_site(app, "clinic-a", origins=["https://clinic-a.example"])
    seeder = app.test_client()
    for number in range(3):  # the site's index exists before writers run at once
        payload = article_payload(url=f"https://clinic-a.example/seed-{number}", title=f"Back pain {number}")
        assert seeder.post("/api/v1/articles", json=payload, headers=site.headers).status_code == 201
    results: list[tuple[float, float, str, int]] = []  # (started, ended, what, status), monotonic seconds
    stop = threading.Event()

    def call(method: str, path: str, what: str, **kwargs: object) -> object:
        started = time.monotonic()
        response = getattr(client_of[threading.get_ident()], method)(path, **kwargs)
        results.append((started, time.monotonic(), what, response.status_code))
        if response.status_code == 503:
            assert response.get_json()["error"]["code"] == "database_unavailable"
        return response

    client_of: dict[int, object] = {}

    def traffic(worker: int) -> None:
        client_of[threading.get_ident()] = app.test_client()
        number = 0
        while not stop.is_set():
            number += 1
            payload = article_payload(
                url=f"https://clinic-a.example/w{worker}-{number}",
                title=f"Nerve pain and exercise {worker}-{number}",
            )
            response: Any = call("post", "/api/v1/articles", "write", json=payload, headers=site.headers)
            if response.status_code == 201:
                article_id = response.get_json()["id"]
                call("get", f"/api/v1/articles/{article_id}/related", "related", headers=site.headers)
            call("get", "/api/v1/sites/clinic-a/related?url=https://clinic-a.example/seed-0", "public")
            time.sleep(0.02)

    workers = [threading.Thread(target=traffic, args=(n,), daemon=True) for n in range(3)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(2)
        restart_began = time.monotonic()
        private_postgres.restart()
        restart_ended = time.monotonic()
        time.sleep(4)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    try:
        before = [(what, status) for _, ended, what, status in results if ended < restart_began]
        after = [(what, status) for started, _, what, status in results if started > restart_ended]
        during = [
            (what, status)
            for started, ended, what, status in results
            if ended >= restart_began and started <= restart_ended
        ]
        print({"before": len(before), "during": sorted(set(during)), "after": len(after)})
        assert before and after
        assert all(status in OK for _, status in before), before
        assert all(status in OK | {503} for _, status in during), during
        failed_after = [(what, status) for what, status in after if status not in OK]
        assert failed_after == [], failed_after
        assert_lists_reference_only_committed_articles(app)
    finally:
        app.extensions["db_engine"].dispose()
