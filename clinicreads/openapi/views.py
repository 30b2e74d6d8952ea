"""``GET /api/openapi.json`` (the document) and ``GET /api/docs`` (a page that lists its operations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify

from clinicreads.openapi.document import build_document

bp = Blueprint("openapi", __name__, url_prefix="/api")

DOCS_PAGE = Path(__file__).resolve().parent / "docs.html"


@bp.get("/openapi.json")
def openapi_document() -> Any:
    document = current_app.extensions.get("openapi_document")
    if document is None:  # built once per app: the table and the URL map do not change while it runs
        document = current_app.extensions["openapi_document"] = build_document(current_app)
    return jsonify(document)


@bp.get("/docs")
def docs_page() -> Any:
    """A static page; its script fetches the document and renders it with text nodes only (no HTML from data)."""
    return (
        DOCS_PAGE.read_text(encoding="utf-8"),
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": "default-src 'none'; script-src 'self' 'unsafe-inline'; "
            "style-src 'unsafe-inline'; connect-src 'self'",
        },
    )
