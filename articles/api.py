"""Editors' REST API for articles: /api/v1/articles, scoped to the API key's site."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, g, jsonify, request
from pydantic import ValidationError

from articles import queries, store
from articles.models import STATUSES
from articles.related import pending
from articles.schemas import ArticleIn, ArticlePatch, field_errors, parse_model
from articles.serialize import article_json
from service import db as database
from service.auth import require_api_key
from service.errors import ApiError
from service.http import bool_arg, choice_arg, datetime_arg, decode_cursor, encode_cursor, int_arg, json_body

log = logging.getLogger(__name__)
bp = Blueprint("articles_api", __name__, url_prefix="/api/v1/articles")

BULK_LIMIT = 1000


@bp.post("")
@require_api_key
def create_or_update() -> Any:
    data = parse_model(ArticleIn, json_body())
    db = database.session()
    result = store.upsert_article(db, g.site, data, source="api")
    status = pending.settle(db, g.site, [result.article.id])
    db.commit()
    return jsonify(_with_status(result.article, status)), 201 if result.created else 200


def _with_status(article: Any, status: pending.Status) -> dict[str, Any]:
    """The article as JSON with whether its related list already reflects this write."""
    return {**article_json(article), "related_status": status}


@bp.get("")
@require_api_key
def list_() -> Any:
    filters = queries.ArticleFilters(
        status=choice_arg("status", STATUSES),
        tag=request.args.get("tag") or None,
        category=request.args.get("category") or None,
        updated_since=datetime_arg("updated_since"),
    )
    cursor = request.args.get("cursor")
    after_id = decode_cursor("a", cursor) if cursor else 0
    rows, last_id = queries.list_articles(database.session(), g.site, filters, after_id, int_arg("limit", 50, 1, 200))
    return jsonify(
        {"items": [article_json(a) for a in rows], "next_cursor": encode_cursor("a", last_id) if last_id else None}
    )


@bp.get("/<int:article_id>")
@require_api_key
def show(article_id: int) -> Any:
    db = database.session()
    article = queries.get_article(db, g.site, article_id)
    return jsonify(_with_status(article, pending.status_of(db, article.id)))


@bp.put("/<int:article_id>")
@require_api_key
def replace(article_id: int) -> Any:
    data = parse_model(ArticleIn, json_body())
    db = database.session()
    article = store.replace_article(db, g.site, article_id, data)
    status = pending.settle(db, g.site, [article.id])
    db.commit()
    return jsonify(_with_status(article, status))


@bp.patch("/<int:article_id>")
@require_api_key
def patch(article_id: int) -> Any:
    data = parse_model(ArticlePatch, json_body())
    db = database.session()
    article = store.patch_article(db, g.site, article_id, data)
    status = pending.settle(db, g.site, [article.id])
    db.commit()
    return jsonify(_with_status(article, status))


@bp.delete("/<int:article_id>")
@require_api_key
def retire(article_id: int) -> Any:
    db = database.session()
    if bool_arg("purge"):
        showing = store.purge_article(db, g.site, article_id)
        pending.settle(db, g.site, [article_id, *showing])
        db.commit()
        return "", 204
    article = store.retire_article(db, g.site, article_id)
    status = pending.settle(db, g.site, [article.id])
    db.commit()
    return jsonify(_with_status(article, status))


def _bulk_items() -> tuple[list[Any], bool]:
    """The items and whether the request is atomic (a JSON boolean, false when left out)."""
    body = json_body()
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or set(body) - {"items", "atomic"}:
        raise ApiError(422, "invalid_body", 'Send {"items": [article, ...]} (and optionally "atomic": true).')
    atomic = body.get("atomic", False)
    if not isinstance(atomic, bool):
        raise ApiError(422, "invalid_fields", '"atomic" must be true or false.', {"atomic": "must be a boolean"})
    if not 1 <= len(items) <= BULK_LIMIT:
        raise ApiError(422, "bulk_size", f"A bulk request carries 1 to {BULK_LIMIT} items; this one has {len(items)}.")
    return items, atomic


def _validate_items(items: list[Any]) -> tuple[list[tuple[int, ArticleIn]], list[dict[str, Any]]]:
    valid, rejected = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            rejected.append(
                {
                    "index": index,
                    "status": "rejected",
                    "error": {"code": "invalid_item", "message": "Each item must be an object."},
                }
            )
            continue
        try:
            valid.append((index, ArticleIn.model_validate(item)))
        except ValidationError as exc:
            rejected.append(
                {
                    "index": index,
                    "status": "rejected",
                    "error": {
                        "code": "invalid_fields",
                        "message": "Some fields are missing or invalid.",
                        "fields": field_errors(exc),
                    },
                }
            )
    return valid, rejected


@bp.post("/bulk")
@require_api_key
def bulk() -> Any:
    """Write many articles in one transaction; invalid items are reported and skipped (or, atomic, abort all).

    Related lists are never updated here: every written article is queued for the drainer in the same
    transaction, and each item says whether its list is ``current`` or ``pending``.
    """
    body_items, atomic = _bulk_items()
    valid, rejected = _validate_items(body_items)
    if atomic and rejected:
        raise ApiError(
            422,
            "invalid_items",
            "Nothing was written: some items are invalid.",
            {str(r["index"]): r["error"] for r in rejected},
        )
    db = database.session()
    report = list(rejected)
    results = store.upsert_many(db, g.site, [data for _, data in valid], source="api")
    for (index, _), result in zip(valid, results, strict=True):
        status = "created" if result.created else "updated" if result.changed else "unchanged"
        report.append({"index": index, "status": status, "id": result.article_id})
    waiting = pending.pending_among(db, [r["id"] for r in report if "id" in r])
    for r in report:
        if "id" in r:
            r["related_status"] = "pending" if r["id"] in waiting else "current"
    db.commit()
    report.sort(key=lambda r: r["index"])
    counts = {s: sum(1 for r in report if r["status"] == s) for s in ("created", "updated", "unchanged", "rejected")}
    log.info("bulk write for site %s: %s", g.site.slug, counts)
    return jsonify({"counts": counts, "items": report}), 200
