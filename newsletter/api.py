"""Editors' API for subscribers (Bearer key, the key's own site only).

- ``GET /api/v1/subscribers``: ``status``, ``frequency``, ``interest`` filters, ``limit``/``cursor`` pages,
  and ``counts`` by status for the whole site.
- ``GET /api/v1/subscribers/export.csv``: the same filters, as CSV (cells that a spreadsheet would run as a
  formula are prefixed with ``'``).
- ``DELETE /api/v1/subscribers/<id>``: right to erasure.
- ``POST /api/v1/suppressions`` ``{"email"}``: never mail the address again (only its hash is kept).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy.sql import Select

from newsletter import notify, subscriptions
from newsletter.export import csv_response, filtered_query, subscriber_json
from newsletter.inputs import InvalidEmail
from newsletter.models import FREQUENCIES, STATUSES, Subscriber
from service import db as database
from service.auth import require_api_key
from service.dates import iso
from service.errors import ApiError
from service.http import choice_arg, decode_cursor, encode_cursor, int_arg, json_body

bp = Blueprint("newsletter_api", __name__, url_prefix="/api/v1")


def _filtered() -> Select[tuple[Subscriber]]:
    return filtered_query(
        g.site.id, choice_arg("status", STATUSES), choice_arg("frequency", FREQUENCIES), request.args.get("interest")
    )


@bp.get("/subscribers")
@require_api_key(scope="subscribers")
def list_subscribers() -> Any:
    db = database.session()
    limit = int_arg("limit", 50, 1, 200)
    query = _filtered()
    cursor = request.args.get("cursor")
    if cursor:
        query = query.where(Subscriber.id > decode_cursor("s", cursor))
    rows = list(db.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify(
        {
            "items": [subscriber_json(s) for s in rows],
            "next_cursor": encode_cursor("s", rows[-1].id) if more else None,
            "counts": subscriptions.status_counts(db, g.site),
        }
    )


@bp.get("/subscribers/export.csv")
@require_api_key(scope="subscribers")
def export_subscribers() -> Response:
    return csv_response(_filtered(), f"{g.site.slug}-subscribers.csv")


@bp.delete("/subscribers/<int:subscriber_id>")
@require_api_key(scope="subscribers")
def erase_subscriber(subscriber_id: int) -> Any:
    db = database.session()
    address = subscriptions.erase(db, g.site, subscriber_id)
    db.commit()
    notify.erase_outbox_copies(current_app.config, address)
    return "", 204


@bp.post("/suppressions")
@require_api_key(scope="subscribers")
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
    return jsonify(
        {"id": suppression.id, "email_hash": suppression.email_hash, "created_at": iso(suppression.created_at)}
    ), 201 if created else 200
