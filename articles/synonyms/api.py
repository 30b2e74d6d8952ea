"""Editors' REST API for the site's synonyms: /api/v1/synonyms, scoped to the API key's site."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify

from articles.schemas import parse_model
from articles.synonyms import store
from articles.synonyms.models import SOURCES, SiteSynonym
from service import db as database
from service.auth import require_api_key
from service.dates import iso
from service.http import choice_arg, int_arg, json_body

bp = Blueprint("synonyms_api", __name__, url_prefix="/api/v1/synonyms")


def synonym_json(synonym: SiteSynonym) -> dict[str, Any]:
    return {
        "id": synonym.id,
        "phrase": synonym.phrase,
        "means": synonym.means,
        "source": synonym.source,
        "created_at": iso(synonym.created_at),
        "updated_at": iso(synonym.updated_at),
    }


@bp.get("")
@require_api_key
def list_() -> Any:
    limit = int_arg("limit", 100, 1, 1000)
    offset = int_arg("offset", 0, 0, 10_000_000)
    rows, total = store.list_synonyms(database.session(), g.site, choice_arg("source", SOURCES), offset, limit)
    return jsonify({"items": [synonym_json(s) for s in rows], "total": total, "offset": offset, "limit": limit})


@bp.post("")
@require_api_key
def add() -> Any:
    data = parse_model(store.SynonymIn, json_body())
    db = database.session()
    synonym = store.add_synonym(db, g.site, data)
    db.commit()
    return jsonify(synonym_json(synonym)), 201


@bp.get("/<int:synonym_id>")
@require_api_key
def show(synonym_id: int) -> Any:
    return jsonify(synonym_json(store.get_synonym(database.session(), g.site, synonym_id)))


@bp.patch("/<int:synonym_id>")
@require_api_key
def change(synonym_id: int) -> Any:
    patch = parse_model(store.SynonymPatch, json_body())
    db = database.session()
    synonym = store.update_synonym(db, g.site, synonym_id, patch)
    db.commit()
    return jsonify(synonym_json(synonym))


@bp.delete("/<int:synonym_id>")
@require_api_key
def remove(synonym_id: int) -> Any:
    db = database.session()
    store.delete_synonym(db, g.site, synonym_id)
    db.commit()
    return "", 204
