"""What the request log (one line, a request id and the request metrics per answer) costs the widget's hot path.

In one process, the same widget reads (``GET /api/v1/sites/bench/related?url=...``, fast-lane answers from a
SQLite database seeded like ``widget_throughput``) go through the app's full WSGI stack and through the fast lane
alone (the baseline: what the stack was before the request log wrapped it), in alternating chunks of 100 reads
so both see the same machine load; the fastest chunks (the least disturbed) are compared, medians beside. The
micro-cache is off; the log lines are formatted and written to ``/dev/null`` at INFO, as text and as JSON.

    .venv/bin/python -m benchmarks.request_log_overhead                 # 2,000 articles, 5 rounds of 2,000 reads
    .venv/bin/python -m benchmarks.request_log_overhead --reads 500     # quick
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from benchmarks.widget_throughput import seed

PATH = "/api/v1/sites/bench/related"
CHUNK = 100
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _per_read_us(app: Wsgi, environs: list[dict[str, Any]]) -> float:
    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise AssertionError(f"unexpected answer {status}")

    started = time.perf_counter()
    for environ in environs:
        body = app(dict(environ), start_response)
        for _ in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return (time.perf_counter() - started) / len(environs) * 1e6


def measure(log_format: str, articles: int, reads: int, rounds: int) -> dict[str, float]:
    from clinicreads.app import create_app
    from service.log_format import ServiceHandler

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        pages = seed(url, articles)
        app = create_app(
            {
                "DATABASE_URL": url,
                "VAR_DIR": folder,
                "SECRET_KEY": "bench",
                "LOG_FORMAT": log_format,
                "LOG_LEVEL": "INFO",
            }
        )
        handler = next(h for h in logging.getLogger().handlers if isinstance(h, ServiceHandler))
        with open(os.devnull, "w") as devnull:
            previous = handler.setStream(devnull)
            full: Wsgi = app.wsgi_app
            lane: Wsgi = full.wsgi_app  # type: ignore[attr-defined]
            environs = [
                EnvironBuilder(
                    path="/api/v1/sites/bench/related", query_string={"url": pages[i % len(pages)]}
                ).get_environ()
                for i in range(reads)
            ]
            _per_read_us(full, environs)  # warm the engines and the rendered-answer cache
            with_log, without = [], []
            for _ in range(rounds):  # alternating chunks of 100 reads: both stacks see the same moments of load
                for number, start in enumerate(range(0, len(environs), CHUNK)):
                    chunk = environs[start : start + CHUNK]
                    if number % 2:  # which goes first alternates too: the second reader of a chunk is favoured
                        with_log.append(_per_read_us(full, chunk))
                        without.append(_per_read_us(lane, chunk))
                    else:
                        without.append(_per_read_us(lane, chunk))
                        with_log.append(_per_read_us(full, chunk))
            handler.setStream(previous)
        app.extensions["db_engine"].dispose()
    # the fastest chunk is the least disturbed by other work on a shared machine; the medians are shown beside it
    base, logged = min(without), min(with_log)
    return {
        "baseline_us": base,
        "with_log_us": logged,
        "added_us": logged - base,
        "ratio": logged / base,
        "median_baseline_us": statistics.median(without),
        "median_with_log_us": statistics.median(with_log),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"widget reads through the fast lane, {args.articles} articles, {args.rounds} rounds of {args.reads} reads")
    print("format  baseline (fast lane alone)  with the request log  added   ratio   (fastest chunk; medians)")
    for log_format in ("text", "json"):
        r = measure(log_format, args.articles, args.reads, args.rounds)
        print(
            f"{log_format:<7} {r['baseline_us']:>10.0f} µs/read {r['with_log_us']:>17.0f} µs/read"
            f" {r['added_us']:>6.0f} µs {r['ratio']:>6.2f}x   (medians {r['median_baseline_us']:.0f} / "
            f"{r['median_with_log_us']:.0f} µs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
