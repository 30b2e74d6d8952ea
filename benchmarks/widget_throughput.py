"""Throughput of the public related-list API under gunicorn, next to a bare Flask ceiling.

    .venv/bin/python -m benchmarks.widget_throughput [--db sqlite|postgres|both] [--duration 15] [--rounds 1]
        [--change-feed on|off]

For each database: migrate a fresh one, seed ``--articles`` published articles WITH THEIR RelatedList rows
written directly (20 ready-to-serve items each; this measures the read path, not the recommender), start
gunicorn (2 sync workers) on ``wsgi:app``, and drive it with ``wrk -t2 -c32`` rotating over every article's
page address (a Lua request generator). Then the same for a bare Flask app that answers one captured answer
from a Python dict (json.dumps per request), served the same way in the same run: the ceiling.
Goal: the service reaches >= 70% of the ceiling's requests/s with p99 <= 25 ms.

The service runs with its defaults: on PostgreSQL each worker keeps an answer until the database notifies a
change to its site (``WIDGET_CHANGE_FEED``), so a page asked for again is answered without a read; wrk cycles
through every article, so each worker reads each page once before it can reuse it. ``--change-feed off``
measures the read on every request instead.

Each run also prints the CPU time a request cost, read from ``/proc`` over the measured wrk run: the gunicorn
workers, the PostgreSQL backends of the benchmark's database, and wrk. On a saturated machine requests/s follow
the whole CPU a request costs, and these figures move much less with other processes' load than requests/s do.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, insert, make_url, select, text

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SITE = "bench"
WORDS = (
    "knee back pain sleep diet diabetes heart blood pressure asthma allergy skin eczema cancer screening "
    "vaccine flu cold fever child pregnancy ageing memory stress anxiety exercise injury bone joint muscle "
    "eye ear teeth kidney liver lung stomach bowel hormone thyroid weight nutrition recovery surgery"
).split()

LUA = """
local urls = {}
for line in io.lines("%(urls)s") do urls[#urls + 1] = line end
local i = 0
request = function()
  i = i %% #urls + 1
  return wrk.format("GET", "/api/v1/sites/%(site)s/related?limit=4&url=" .. urls[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%.1f %%.1f %%.1f\\n", summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def bare_app() -> Flask:
    """The ceiling: Flask answering the captured JSON from a dict (gunicorn target ``...:bare_app()``)."""
    answer = json.loads(Path(os.environ["BENCH_ANSWER"]).read_text())
    app = Flask(__name__)

    @app.get("/api/v1/sites/<slug>/related")
    def related(slug: str) -> Any:
        return app.response_class(
            json.dumps(answer, ensure_ascii=False, separators=(",", ":")), mimetype="application/json"
        )

    return app


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def seed(url: str, count: int) -> list[str]:
    """Migrate, add the site and ``count`` articles with stored related lists; returns their page addresses."""
    from articles.models import Article
    from articles.related.models import RelatedList
    from articles.urls import url_key
    from service.dates import iso
    from service.migrations import upgrade
    from service.sites import Site

    upgrade(url)
    rng = random.Random(7)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    engine = create_engine(url)
    with engine.begin() as conn:
        site_id = conn.execute(
            insert(Site)
            .values(
                slug=SITE,
                name="Bench Clinic",
                allowed_origins=["https://bench.example"],
                brand_colour="#0b6e4f",
                postal_address="",
                settings={},
                created_at=now,
            )
            .returning(Site.id)
        ).scalar_one()
        urls = [f"https://bench.example/articles/{i}-{rng.choice(WORDS)}-{rng.choice(WORDS)}" for i in range(count)]
        rows: list[dict[str, Any]] = [
            {
                "site_id": site_id,
                "canonical_url": u,
                "url_key": url_key(u),
                "title": _words(rng, 6).title(),
                "summary": _words(rng, 28).capitalize() + ".",
                "body_html": "",
                "body_text": "",
                "image_url": f"https://bench.example/img/{i}.jpg" if i % 3 else None,
                "status": "published",
                "source": "api",
                "content_hash": secrets.token_hex(32),
                "published_at": now - timedelta(hours=i),
                "updated_at": now,
                "created_at": now,
            }
            for i, u in enumerate(urls)
        ]
        for start in range(0, count, 2000):
            conn.execute(insert(Article), rows[start : start + 2000])
        ids = [r.id for r in conn.execute(select(Article.id).where(Article.site_id == site_id).order_by(Article.id))]
        lists = []
        for position, article_id in enumerate(ids):
            picks = rng.sample(range(count), 21)
            items = [
                {
                    "id": ids[p],
                    "title": rows[p]["title"],
                    "url": rows[p]["canonical_url"],
                    "summary": rows[p]["summary"],
                    "image_url": rows[p]["image_url"],
                    "published_at": iso(now - timedelta(hours=p)),
                    "category": "General",
                    "score": round(rng.random(), 4),
                    "why": [rng.choice(WORDS)] * 2,
                    "reason": "similar",
                }
                for p in picks
                if p != position
            ][:20]
            lists.append(
                {
                    "article_id": article_id,
                    "site_id": site_id,
                    "items": items,
                    "version": secrets.token_hex(8),
                    "threshold": 0.0,
                    "computed_at": now,
                }
            )
        for start in range(0, count, 1000):
            conn.execute(insert(RelatedList), lists[start : start + 1000])
    engine.dispose()
    return urls


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer in {timeout}s")


class Gunicorn:
    def __init__(self, target: str, env: dict[str, str]):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._args = [
            GUNICORN,
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            target,
        ]
        self._env = {**os.environ, **env}
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        self._proc = subprocess.Popen(self._args, cwd=ROOT, env=self._env)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc is not None
        self._proc.send_signal(signal.SIGTERM)
        self._proc.wait(timeout=30)


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes ``pids`` so far (those gone since count nothing)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / TICKS


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _backends(url: str) -> list[int]:
    """The server processes of the PostgreSQL database at ``url`` (none for SQLite)."""
    if not url.startswith("postgresql"):
        return []
    admin = create_engine(PG_ADMIN_URL)
    try:
        with admin.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": make_url(url).database}
            )
            return [int(row[0]) for row in rows]
    finally:
        admin.dispose()


def measured_wrk(server: Gunicorn, url: str, script: Path, duration: int) -> dict[str, float]:
    """``wrk`` against ``server``, with the CPU microseconds a request cost its workers, the database and wrk."""
    assert server._proc is not None
    workers, backends = _children(server._proc.pid), _backends(url)
    before = (_cpu_seconds(workers), _cpu_seconds(backends), resource.getrusage(resource.RUSAGE_CHILDREN))
    result = wrk(server.base, script, duration)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    per_request = 1e6 / max(result["requests"], 1)
    result["cpu_workers_us"] = (_cpu_seconds(workers) - before[0]) * per_request
    result["cpu_database_us"] = (_cpu_seconds(backends) - before[1]) * per_request
    result["cpu_wrk_us"] = (after.ru_utime + after.ru_stime - before[2].ru_utime - before[2].ru_stime) * per_request
    return result


def wrk(base: str, script: Path, duration: int) -> dict[str, float]:
    out = subprocess.run(
        [WRK, "-t2", "-c32", f"-d{duration}s", "-s", str(script), base], capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    requests, micros, bad_status, socket_errors, p50, p99, mean = line.split()[1:]
    return {
        "rps": int(requests) / (int(micros) / 1e6),
        "p50_ms": float(p50) / 1000,
        "p99_ms": float(p99) / 1000,
        "mean_ms": float(mean) / 1000,
        "non_2xx": int(bad_status),
        "socket_errors": int(socket_errors),
        "requests": int(requests),
    }


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count() or 0} cores"


def measure(
    name: str, url: str, articles: int, duration: int, work: Path, rounds: int = 1, change_feed: bool = True
) -> list[dict[str, Any]]:
    """``rounds`` times: the service, then the ceiling, each on a fresh gunicorn (empty per-process caches)."""
    started = time.monotonic()
    urls = seed(url, articles)
    print(
        f"[{name}] seeded {articles} articles and their RelatedList rows directly in "
        f"{time.monotonic() - started:.1f}s (read-path benchmark)",
        flush=True,
    )
    (work / "urls.txt").write_text(
        "\n".join(urllib.parse.quote(u, safe="") for u in random.Random(1).sample(urls, len(urls))) + "\n"
    )
    script = work / "rotate.lua"
    script.write_text(LUA % {"urls": work / "urls.txt", "site": SITE})
    env = {
        "DATABASE_URL": url,
        "VAR_DIR": str(work / "var"),
        "SECRET_KEY": "bench-secret",
        "LOG_LEVEL": "WARNING",
        "WIDGET_CHANGE_FEED": "true" if change_feed else "false",
    }
    first = f"/api/v1/sites/{SITE}/related?limit=4&url={urllib.parse.quote(urls[0], safe='')}"
    all_results = []
    for _ in range(rounds):
        results: dict[str, Any] = {}
        with Gunicorn("wsgi:app", env) as service:
            _wait_ready(service.base + first)
            with urllib.request.urlopen(service.base + first) as response:
                answer = json.loads(response.read())
            assert len(answer["items"]) == 4, answer
            (work / "answer.json").write_text(json.dumps(answer))
            wrk(service.base, script, 2)  # warm-up
            results["service"] = measured_wrk(service, url, script, duration)
        with Gunicorn("benchmarks.widget_throughput:bare_app()", {"BENCH_ANSWER": str(work / "answer.json")}) as bare:
            _wait_ready(bare.base + first)
            wrk(bare.base, script, 2)
            results["bare"] = measured_wrk(bare, url, script, duration)
        results["ratio"] = results["service"]["rps"] / results["bare"]["rps"]
        _report(name, results)
        all_results.append(results)
    return all_results


def _cpu_total(result: dict[str, float]) -> float:
    return result["cpu_workers_us"] + result["cpu_database_us"] + result["cpu_wrk_us"]


def _report(name: str, results: dict[str, Any]) -> None:
    for kind in ("bare", "service"):
        r = results[kind]
        print(
            f"[{name}] {kind:8} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
            f"non-2xx {r['non_2xx']}  socket errors {r['socket_errors']}"
        )
    cpu = {kind: _cpu_total(results[kind]) for kind in ("bare", "service")}
    for kind in ("bare", "service"):
        r = results[kind]
        print(
            f"[{name}] {kind:8} CPU a request: workers {r['cpu_workers_us']:.0f} us + database "
            f"{r['cpu_database_us']:.0f} us + wrk {r['cpu_wrk_us']:.0f} us = {cpu[kind]:.0f} us"
        )
    print(f"[{name}] CPU a request, ceiling/service {cpu['bare'] / cpu['service']:.0%}")
    ok = results["ratio"] >= 0.70 and results["service"]["p99_ms"] <= 25
    print(
        f"[{name}] service/ceiling {results['ratio']:.0%}  (goal >= 70% and p99 <= 25 ms: "
        f"{'met' if ok else 'NOT met'})",
        flush=True,
    )


def _summary(name: str, rounds: list[dict[str, Any]]) -> None:
    """With several rounds: the median of each ratio (the rounds' spread shows how far one run can be trusted)."""
    if len(rounds) < 2:
        return
    ratios = sorted(r["ratio"] for r in rounds)
    cpu = sorted(_cpu_total(r["bare"]) / _cpu_total(r["service"]) for r in rounds)
    print(
        f"[{name}] {len(rounds)} rounds: service/ceiling median {statistics.median(ratios):.0%} "
        f"(range {ratios[0]:.0%}-{ratios[-1]:.0%}); CPU ceiling/service median {statistics.median(cpu):.0%} "
        f"(range {cpu[0]:.0%}-{cpu[-1]:.0%})",
        flush=True,
    )


@contextmanager
def database(kind: str, work: Path) -> Iterator[str]:
    """A fresh, empty database of ``kind``; a PostgreSQL one is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'bench.db'}"
        return
    name = f"clinicreads_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=int, default=15, help="seconds of each wrk run")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1, help="service-then-ceiling rounds, each on fresh servers")
    parser.add_argument(
        "--change-feed",
        choices=("on", "off"),
        default="on",
        help="WIDGET_CHANGE_FEED of the service (PostgreSQL: off reads the database on every request)",
    )
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    print(
        f"wrk -t2 -c32 -d{args.duration}s against gunicorn -w 2 (sync), change feed {args.change_feed}; {_load()}",
        flush=True,
    )
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix=f"widget-bench-{kind}-") as tmp, database(kind, Path(tmp)) as url:
            rounds = measure(kind, url, args.articles, args.duration, Path(tmp), args.rounds, args.change_feed == "on")
            _summary(kind, rounds)
    print(f"after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
