"""Compare kombu's embedded transports (SQLAlchemy on SQLite, filesystem) for the default broker.

    .venv/bin/python -m benchmarks.embedded_broker [--messages 2000]

For each transport, in a fresh temporary folder: the rate of enqueueing ``--messages`` messages, the rate at
which 2 consumer processes take and acknowledge them (and how many were delivered twice or lost), and crash
safety: a consumer takes one message without acknowledging it and is SIGKILLed; is the message delivered to
another consumer within 10 s? Redis is measured the same way (with a 2 s visibility timeout) when it answers
on 127.0.0.1:6379 (db 14), as the baseline of the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kombu import Connection

QUEUE = "bench"


def _options(url: str) -> dict[str, Any]:
    if url.startswith("filesystem://"):
        folder = url.split("#", 1)[1]
        return {"data_folder_in": folder, "data_folder_out": folder}
    if url.startswith("redis://"):
        return {"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
    return {}


def _connection(url: str) -> Connection:
    return Connection(url.split("#", 1)[0], transport_options=_options(url))


def _consume(url: str, out: Any, stop_after_idle: float) -> None:
    taken: list[int] = []
    try:
        _consume_into(url, taken, stop_after_idle)
    except Exception as exc:  # a consumer the transport fails: counted by the caller as a crash
        taken.append(-2)
        print(f"  a consumer failed: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    out.put(taken)


def _consume_into(url: str, taken: list[int], stop_after_idle: float) -> None:
    with _connection(url) as conn:
        queue = conn.SimpleQueue(QUEUE)
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < stop_after_idle:
            try:
                message = queue.get(block=True, timeout=0.2)
            except queue.Empty:
                continue
            taken.append(message.payload["n"])
            message.ack()
            idle_since = time.monotonic()
        queue.close()


def _take_and_die(url: str, out: Any) -> None:
    with _connection(url) as conn:
        queue = conn.SimpleQueue(QUEUE)
        message = queue.get(block=True, timeout=10)
        out.put(message.payload["n"])
        os.kill(os.getpid(), signal.SIGKILL)


def measure(url: str, messages: int) -> dict[str, Any]:
    with _connection(url) as conn:
        queue = conn.SimpleQueue(QUEUE)
        queue.clear()
        started = time.perf_counter()
        for n in range(messages):
            queue.put({"n": n})
        enqueue_seconds = time.perf_counter() - started
        queue.close()
    out: Any = multiprocessing.Queue()
    started = time.perf_counter()
    consumers = [multiprocessing.Process(target=_consume, args=(url, out, 1.0)) for _ in range(2)]
    for process in consumers:
        process.start()
    taken = Counter(n for _ in consumers for n in out.get())
    crashed = taken.pop(-2, 0)
    consume_seconds = time.perf_counter() - started - 1.0  # less the idle second each consumer waits at the end
    for process in consumers:
        process.join()
    with _connection(url) as conn:
        conn.SimpleQueue(QUEUE).put({"n": -1})
    said: Any = multiprocessing.SimpleQueue()  # written at once, so the message survives the SIGKILL
    victim = multiprocessing.Process(target=_take_and_die, args=(url, said))
    victim.start()
    victim.join(timeout=15)
    taken_by_victim = said.get() if not said.empty() else None
    survivor = multiprocessing.Process(target=_consume, args=(url, out, 10.0))
    survivor.start()
    redelivered = -1 in out.get(timeout=60)
    survivor.join()
    return {
        "enqueue_per_s": messages / enqueue_seconds,
        "consume_per_s_2_processes": messages / max(consume_seconds, 1e-9),
        "lost": messages - len(taken),
        "consumers_crashed": crashed,
        "delivered_twice": sum(1 for count in taken.values() if count > 1),
        "victim_took": taken_by_victim,
        "redelivered_after_sigkill": redelivered,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="broker-bench-"))
    (folder / "fs").mkdir()
    urls = {
        "sqlalchemy (sqla+sqlite)": f"sqla+sqlite:///{folder / 'broker.db'}",
        "filesystem": f"filesystem://#{folder / 'fs'}",
        "redis (baseline)": "redis://127.0.0.1:6379/14",
    }
    for name, url in urls.items():
        try:
            result = measure(url, args.messages)
        except Exception as exc:  # a transport that cannot run here is reported, not fatal
            print(f"{name}: could not run: {exc.__class__.__name__}: {exc}")
            continue
        print(
            f"{name}: enqueue {result['enqueue_per_s']:.0f} msg/s; consume with 2 processes "
            f"{result['consume_per_s_2_processes']:.0f} msg/s; lost {result['lost']}, delivered twice "
            f"{result['delivered_twice']}; consumers crashed {result['consumers_crashed']}; "
            "a message taken by a SIGKILLed consumer redelivered: "
            f"{'yes' if result['redelivered_after_sigkill'] else 'no'}"
        )


if __name__ == "__main__":
    main()
