"""Editors' API for subscribers (Bearer key, the key's own site only).

- ``GET /api/v1/subscribers``: ``status``, ``frequency``, ``interest`` filters, ``limit``/``cursor`` pages,
  and ``counts`` by status for the whole site.
- ``GET /api/v1/subscribers/export.csv``: the same filters, as CSV (cells that a spreadsheet would run as a
  formula are prefixed with ``'``).
- ``DELETE /api/v1/subscribers/<id>``: right to erasure.
- ``POST /api/v1/suppressions`` ``{"email"}``: never mail the address again (only its hash is kept).
"""
from __future__ import annotations

import base64
import csv
import io
from typing import Any, Iterator

from flask import Blueprint, Response, g, jsonify, request, stream_with_context
from sqlalchemy import exists, select
from sqlalchemy.sql import Select

from newsletter import subscriptions
from newsletter.inputs import InvalidEmail
from newsletter.models import FREQUENCIES, STATUSES, Interest, Subscriber
from service import db as database
from service.auth import require_api_key
from service.errors import ApiError
from service.http import choice_arg, int_arg, json_body

bp = Blueprint("newsletter_api", __name__, url_prefix="/api/v1")

CSV_COLUMNS = ("id", "email", "status", "frequency", "weekday", "hour", "time_zone", "paused", "topics",
               "interest_text", "created_at", "confirmed_at", "unsubscribed_at", "consent_at", "consent_source",
               "consent_ip", "bounce_count", "last_digest_at")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def subscriber_json(s: Subscriber) -> dict[str, Any]:
    return {
        "id": s.id, "email": s.email, "status": s.status, "frequency": s.frequency, "weekday": s.weekday,
        "hour": s.hour, "time_zone": s.time_zone, "paused": s.paused, "topics": s.topics,
        "interest_text": s.interest_text, "created_at": _iso(s.created_at), "confirmed_at": _iso(s.confirmed_at),
        "unsubscribed_at": _iso(s.unsubscribed_at), "bounce_count": s.bounce_count,
        "last_digest_at": _iso(s.last_digest_at),
        "consent": {"at": _iso(s.consent_at), "source": s.consent_source, "ip": s.consent_ip},
    }


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"s:{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        if kind != "s":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave out.") from None


def _filtered() -> Select[tuple[Subscriber]]:
    return filtered_query(g.site.id, choice_arg("status", STATUSES), choice_arg("frequency", FREQUENCIES),
                          request.args.get("interest"))


def filtered_query(site_id: int, status: str | None = None, frequency: str | None = None,
                   interest: str | None = None) -> Select[tuple[Subscriber]]:
    """The site's subscribers with these filters, oldest first (the order CSV export and pages rely on)."""
    query = select(Subscriber).where(Subscriber.site_id == site_id)
    if status:
        query = query.where(Subscriber.status == status)
    if frequency:
        query = query.where(Subscriber.frequency == frequency)
    if interest:
        query = query.where(exists().where(Interest.subscriber_id == Subscriber.id, Interest.topic == interest))
    return query.order_by(Subscriber.id)


@bp.get("/subscribers")
@require_api_key
def list_subscribers() -> Any:
    db = database.session()
    limit = int_arg("limit", 50, 1, 200)
    query = _filtered()
    cursor = request.args.get("cursor")
    if cursor:
        query = query.where(Subscriber.id > _decode_cursor(cursor))
    rows = list(db.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify({"items": [subscriber_json(s) for s in rows],
                    "next_cursor": _encode_cursor(rows[-1].id) if more else None,
                    "counts": subscriptions.status_counts(db, g.site)})


def _safe_cell(value: Any) -> str:
    """A CSV cell that spreadsheets show as text (no formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_row(s: Subscriber) -> list[str]:
    data = subscriber_json(s)
    data.update(topics="; ".join(s.topics), consent_at=data["consent"]["at"],
                consent_source=data["consent"]["source"], consent_ip=data["consent"]["ip"])
    return [_safe_cell(data[column]) for column in CSV_COLUMNS]


@bp.get("/subscribers/export.csv")
@require_api_key
def export_subscribers() -> Response:
    return csv_response(_filtered(), f"{g.site.slug}-subscribers.csv")


def csv_response(query: Select[tuple[Subscriber]], filename: str) -> Response:
    """Stream the subscribers ``query`` selects (ordered by id) as a CSV download (the API and the admin pages)."""
    database.session().close()  # the request's transaction must not stay open while the stream runs

    def rows() -> Iterator[str]:
        """Batches of 500 rows; the generator owns its session so it is closed however the stream ends."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        last_id = 0
        with database.new_session() as db:
            while True:
                batch = list(db.scalars(query.where(Subscriber.id > last_id).limit(500)))
                for subscriber in batch:
                    writer.writerow(_csv_row(subscriber))
                db.rollback()  # end the read transaction between batches
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                if len(batch) < 500:
                    return
                last_id = batch[-1].id

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/subscribers/<int:subscriber_id>")
@require_api_key
def erase_subscriber(subscriber_id: int) -> Any:
    db = database.session()
    subscriptions.erase(db, g.site, subscriber_id)
    db.commit()
    return "", 204


@bp.post("/suppressions")
@require_api_key
def add_suppression() -> Any:
    body = json_body()
    if not isinstance(body, dict) or set(body) - {"email"} or "email" not in body:
        raise ApiError(422, "invalid_body", 'Send {"email": "address"}.', {"email": "required"})
    db = database.session()
    try:
        suppression, created = subscriptions.suppress(db, g.site, body["email"])
    except InvalidEmail as exc:
        raise ApiError(422, "invalid_fields", "Some fields are missing or invalid.", {"email": str(exc)}) from None
    db.commit()
    return jsonify({"id": suppression.id, "email_hash": suppression.email_hash,
                    "created_at": _iso(suppression.created_at)}), 201 if created else 200
