"""What an operator's tools read: ``/healthz`` (liveness), ``/readyz`` (readiness) and ``/metrics`` (Prometheus).

``/healthz`` stays cheap (one ``SELECT 1``) so a load balancer may call it every second. ``/readyz`` also reads
the scheduler's heartbeat, each job's last success and the related-list queue, and answers 503 when any of
them is stale. ``/metrics`` is open to loopback clients (a request forwarded by a proxy counts as local only
when ``TRUSTED_PROXY_HOPS`` finds its real client), or to anyone with ``METRICS_TOKEN`` as a bearer token.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from articles.related.models import RelatedPending
from clinicreads import __version__
from jobs.health import readiness
from service import db as database
from service.db import utcnow
from service.errors import ApiError
from service.metrics import scrape_registry

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)

LOOPBACK = frozenset({"127.0.0.1", "::1"})


def related_queue(db: Session, now: datetime) -> dict[str, Any]:
    """The related-list backlog: queued updates and the age of the oldest (what the workers have still to do)."""
    depth, oldest = db.execute(select(func.count(), func.min(RelatedPending.queued_at))).one()
    return {"depth": depth, "oldest_age_s": None if oldest is None else round((now - oldest).total_seconds(), 1)}


@bp.get("/healthz")
def healthz() -> Any:
    try:
        with database.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not healthy"; report it, don't crash
        log.error("health check failed: %s", exc.__class__.__name__)
        return jsonify({"status": "error", "database": "unreachable", "version": __version__}), 503
    return jsonify({"status": "ok", "database": "ok", "version": __version__})


@bp.get("/readyz")
def readyz() -> Any:
    now = utcnow()
    try:
        with database.new_session() as db:
            scheduler = readiness(db, now)
            queue = related_queue(db, now)
    except Exception as exc:  # the database is the first thing readiness checks
        log.error("readiness check failed: %s", exc.__class__.__name__)
        return jsonify({"status": "error", "database": "unreachable", "version": __version__}), 503
    queue["max_age_s"] = current_app.config["READY_QUEUE_MAX_AGE_S"]
    queue["status"] = "stale" if (queue["oldest_age_s"] or 0) > queue["max_age_s"] else "ok"
    ready = scheduler["ok"] and queue["status"] == "ok"
    body = {
        "status": "ok" if ready else "stale",
        "version": __version__,
        "database": "ok",
        "scheduler": scheduler["heartbeat"],
        "jobs": scheduler["jobs"],
        "related_queue": queue,
    }
    return jsonify(body), 200 if ready else 503


class DatabaseGauges(Collector):
    """Values read from the database at scrape time: the related-list backlog and the scheduler's heartbeat."""

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        with database.new_session() as db:
            queue = related_queue(db, now)
            scheduler = readiness(db, now)
        yield GaugeMetricFamily(
            "clinicreads_related_pending", "Related-list updates queued for the workers.", value=queue["depth"]
        )
        yield GaugeMetricFamily(
            "clinicreads_related_pending_oldest_seconds",
            "Age of the oldest queued related-list update (0 when none).",
            value=queue["oldest_age_s"] or 0,
        )
        age = scheduler["heartbeat"]["age_s"]
        yield GaugeMetricFamily(
            "clinicreads_scheduler_heartbeat_age_seconds",
            "Seconds since the scheduler's last heartbeat (-1 when it never beat).",
            value=-1 if age is None else age,
        )
        successes = GaugeMetricFamily(
            "clinicreads_job_last_success_age_seconds", "Seconds since each job's last successful run.", labels=["job"]
        )
        for job_id, job in scheduler["jobs"].items():
            if job["last_success_age_s"] is not None:
                successes.add_metric([job_id], job["last_success_age_s"])
        yield successes


def _may_read_metrics() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    # a reverse proxy on this machine connects from loopback for every client: without TRUSTED_PROXY_HOPS to
    # find the real client, a forwarded request is not taken for a local one
    forwarded = "X-Forwarded-For" in request.headers and current_app.config["TRUSTED_PROXY_HOPS"] == 0
    return request.remote_addr in LOOPBACK and not forwarded


@bp.get("/metrics")
def metrics() -> Any:
    if not _may_read_metrics():
        raise ApiError(
            403, "forbidden", "Metrics are open to loopback clients, or with the METRICS_TOKEN bearer token."
        )
    gauges = CollectorRegistry()
    gauges.register(DatabaseGauges())
    body = generate_latest(scrape_registry()) + generate_latest(gauges)
    return Response(body, content_type=CONTENT_TYPE_LATEST)
