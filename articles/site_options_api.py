"""Editors' API for the key's own site's options (Bearer key).

- ``GET /api/v1/site/settings``: every option editors may change, with its current value, its help text
  (``help``), and whether the related lists are being recomputed (``lists``: ``current`` or ``updating``,
  with ``pending``: articles still waiting).
- ``PATCH /api/v1/site/settings``: a JSON object of options to change; every value is checked first and a
  422 names each bad field (nothing is saved then). Options that shape related lists queue the site's
  articles for the background worker: the answer says ``updating`` until they are done.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify

from articles.site_options import change_options, lists_state
from service import db as database
from service.auth import require_api_key
from service.errors import ApiError
from service.http import json_body
from service.site_options import option_help, options_view

bp = Blueprint("site_api", __name__, url_prefix="/api/v1")


def _answer(changed: set[str] | None = None) -> Any:
    state, waiting = lists_state(database.session(), g.site)
    body: dict[str, Any] = {
        "site": g.site.slug,
        "settings": options_view(g.site),
        "help": option_help(),
        "lists": state,
        "pending": waiting,
    }
    if changed is not None:
        body["changed"] = sorted(changed)
    return jsonify(body)


@bp.get("/site/settings")
@require_api_key(scope="settings")
def get_settings() -> Any:
    return _answer()


@bp.patch("/site/settings")
@require_api_key(scope="settings")
def patch_settings() -> Any:
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "Send a JSON object of settings.")
    db = database.session()
    changed = change_options(db, g.site, body)
    db.commit()
    return _answer(changed)
