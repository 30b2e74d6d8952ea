"""The service's Prometheus metrics, defined once and incremented where things happen.

Counters and histograms only: under gunicorn (and beside it, the scheduler and workers) every process writes
its own values into ``PROMETHEUS_MULTIPROC_DIR`` when that is set, and ``/metrics`` adds them up. Values read
from the database at scrape time (queue depth, job ages) are not defined here: the ``/metrics`` view collects
them on each scrape. Labels take only values from small fixed sets (route groups, outcomes, job ids), never a
site, address or path.

Nothing here needs Flask, so domain modules (digest runs, feed polls, the job runner) count their own events.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.metrics import MetricWrapperBase

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "clinicreads_http_requests",
    "HTTP requests answered, by route group, method and status class.",
    ["group", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "clinicreads_http_request_duration_seconds",
    "Seconds from a request's arrival until its answer's body was handed to the server, by route group.",
    ["group"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WIDGET_CACHE = Counter(
    "clinicreads_widget_cache",
    "Widget answers found in (hit) or missing from (miss) a web process's caches: micro (whole answers) and "
    "rendered (bodies by list version).",
    ["cache", "result"],
)
DIGESTS = Counter(
    "clinicreads_digests",
    "Digests handled by digest runs, by outcome: sent, skipped (nothing new), failed.",
    ["outcome"],
)
BOUNCES = Counter("clinicreads_bounces", "Permanent delivery failures recorded against subscribers.")
COMPLAINTS = Counter("clinicreads_complaints", "Spam complaints recorded against subscribers.")
FEED_POLLS = Counter(
    "clinicreads_feed_polls",
    "Feed polls, by outcome: ok, not_modified, error.",
    ["outcome"],
)
JOB_RUNS = Counter(
    "clinicreads_job_runs", "Scheduled and manual job runs, by job and status (ok, error).", ["job", "status"]
)
JOB_DURATION = Histogram(
    "clinicreads_job_duration_seconds",
    "Seconds a job run took, by job.",
    ["job"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 1800.0, 3600.0),
)


@functools.lru_cache(maxsize=1024)
def labelled(metric: MetricWrapperBase, *values: str) -> Any:
    """``metric.labels(*values)``, looked up once per label set: ``labels()`` checks and locks on every call,
    which the per-request paths (request counts, widget caches) need not pay each time."""
    return metric.labels(*values)


def multiprocess_dir() -> str | None:
    """The folder every process writes its values to, when multiprocess mode is on."""
    return os.environ.get(MULTIPROC_ENV) or None


def scrape_registry() -> CollectorRegistry:
    """A registry with every process's counters (multiprocess mode) or this process's (otherwise)."""
    from prometheus_client import REGISTRY

    if multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry)
    return registry
