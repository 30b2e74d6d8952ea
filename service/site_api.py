"""Editors' API for the key's own site's options (Bearer key).

- ``GET /api/v1/site/settings``: every option editors may change, with its current value.
- ``PATCH /api/v1/site/settings``: a JSON object of options to change; every value is checked first and a
  422 names each bad field (nothing is saved then).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify

from service import db as database
from service.auth import require_api_key
from service.errors import ApiError
from service.http import json_body
from service.site_options import apply_options, options_view, validate_options

bp = Blueprint("site_api", __name__, url_prefix="/api/v1")


@bp.get("/site/settings")
@require_api_key(scope="settings")
def get_settings() -> Any:
    return jsonify({"site": g.site.slug, "settings": options_view(g.site)})


@bp.patch("/site/settings")
@require_api_key(scope="settings")
def patch_settings() -> Any:
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "Send a JSON object of settings.")
    clean = validate_options(body)
    db = database.session()
    apply_options(g.site, clean)
    db.commit()
    return jsonify({"site": g.site.slug, "settings": options_view(g.site)})
