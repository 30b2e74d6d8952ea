"""Editors' API for importing subscribers from a CSV file (``subscribers`` scope).

- ``POST /api/v1/subscribers/imports`` (``?dry_run=true`` to check only): the body is the CSV file
  (``Content-Type: text/csv``, UTF-8). Up to ``INLINE_ROWS`` rows are imported at once (200, with the report);
  a larger file is queued for the job (202, with a ``Location`` to follow).
- ``GET /api/v1/subscribers/imports/<id>``: the import's status, progress and report.

The columns and what each row becomes are described in :mod:`newsletter.subscriber_import`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request, url_for

from newsletter.import_jobs import get_import, import_json, start_import
from service import db as database
from service.auth import require_api_key
from service.db import utcnow
from service.errors import ApiError
from service.http import bool_arg

bp = Blueprint("subscriber_imports_api", __name__, url_prefix="/api/v1/subscribers/imports")

CSV_TYPES = ("text/csv", "text/plain", "application/csv")


def csv_text(data: bytes) -> str:
    """The file as text: UTF-8 (a byte-order mark is allowed); 422 otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_file", "The file must be UTF-8 text (save the CSV as UTF-8).") from None
    if "\x00" in text:
        raise ApiError(400, "nul_character", "The request contains a NUL character, which no field accepts.")
    return text


@bp.post("")
@require_api_key(scope="subscribers")
def create_import() -> Any:
    if request.mimetype not in CSV_TYPES:
        raise ApiError(415, "not_csv", "Send the file as the body with 'Content-Type: text/csv'.")
    dry_run = bool_arg("dry_run")
    db = database.session()
    record = start_import(db, g.site, csv_text(request.get_data()), dry_run, utcnow())
    db.commit()
    if record.status == "queued":
        location = url_for("subscriber_imports_api.show_import", import_id=record.id)
        return jsonify(import_json(record)), 202, {"Location": location}
    return jsonify(import_json(record))


@bp.get("/<int:import_id>")
@require_api_key(scope="subscribers")
def show_import(import_id: int) -> Any:
    return jsonify(import_json(get_import(database.session(), g.site, import_id)))
