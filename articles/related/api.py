"""Editors' API for related links: /api/v1/articles/<id>/related, pins, blocks and never-pair rules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify

from articles import queries
from articles.related import updates
from service import db as database
from service.auth import require_api_key
from service.errors import ApiError
from service.http import int_arg, json_body

bp = Blueprint("related_api", __name__, url_prefix="/api/v1")


def _ids_body() -> Any:
    body = json_body()
    if not isinstance(body, dict) or set(body) != {"ids"}:
        raise ApiError(422, "invalid_fields", 'Send {"ids": [article id, ...]}.', {"ids": "required"})
    return body["ids"]


def _answer(db: Any, article: Any) -> Any:
    return jsonify(
        {
            "article_id": article.id,
            **updates.rules_for(db, article),
            "items": updates.related_items(db, g.site, article),
        }
    )


@bp.get("/articles/<int:article_id>/related")
@require_api_key
def show(article_id: int) -> Any:
    db = database.session()
    article = queries.get_article(db, g.site, article_id)
    items = updates.related_items(db, g.site, article, int_arg("limit", 20, 1, 20))
    return jsonify(
        {"article_id": article.id, "status": article.status, **updates.rules_for(db, article), "items": items}
    )


def _put_rules(article_id: int, setter: Any) -> Any:
    db = database.session()
    article = queries.get_article(db, g.site, article_id)
    setter(db, g.site, article, _ids_body())
    db.commit()
    return _answer(db, article)


@bp.put("/articles/<int:article_id>/pins")
@require_api_key
def put_pins(article_id: int) -> Any:
    return _put_rules(article_id, updates.set_pins)


@bp.put("/articles/<int:article_id>/blocks")
@require_api_key
def put_blocks(article_id: int) -> Any:
    return _put_rules(article_id, updates.set_blocks)


def _rule_json(rule: Any) -> dict[str, Any]:
    return {"id": rule.id, "tag_a": rule.tag_a, "tag_b": rule.tag_b}


@bp.get("/never-pairs")
@require_api_key
def list_never_pairs() -> Any:
    return jsonify({"items": [_rule_json(r) for r in updates.list_never_pairs(database.session(), g.site)]})


@bp.post("/never-pairs")
@require_api_key
def add_never_pair() -> Any:
    body = json_body()
    if not isinstance(body, dict) or set(body) - {"tag_a", "tag_b"}:
        raise ApiError(422, "invalid_fields", 'Send {"tag_a": ..., "tag_b": ...}.', {"body": "unknown fields"})
    db = database.session()
    rule = updates.add_never_pair(db, g.site, body.get("tag_a"), body.get("tag_b"))
    db.commit()
    return jsonify(_rule_json(rule)), 201


@bp.delete("/never-pairs/<int:rule_id>")
@require_api_key
def delete_never_pair(rule_id: int) -> Any:
    db = database.session()
    updates.remove_never_pair(db, g.site, rule_id)
    db.commit()
    return "", 204
