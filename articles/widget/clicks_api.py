"""Editors' view of counted related-link clicks (Bearer key; the key's own site only)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify

from articles import queries
from articles.widget import clicks
from service import db as database
from service.auth import require_api_key
from service.dates import iso
from service.http import int_arg

bp = Blueprint("clicks_api", __name__, url_prefix="/api/v1")


def _dated(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "last_at": iso(entry["last_at"])}


@bp.get("/articles/<int:article_id>/clicks")
@require_api_key
def article_clicks(article_id: int) -> Any:
    """Clicks from this article's related list to each target, and to it from other articles' lists."""
    db = database.session()
    article = queries.get_article(db, g.site, article_id)
    counts = clicks.article_clicks(db, g.site.id, article.id)
    return jsonify(
        {
            "article": {"id": article.id, "title": article.title, "url": article.canonical_url},
            "click_counting": bool(g.site.setting("click_counting")),
            "outgoing": [_dated(e) for e in counts["outgoing"]],
            "incoming": [_dated(e) for e in counts["incoming"]],
        }
    )


@bp.get("/clicks")
@require_api_key
def top_pairs() -> Any:
    """The site's most-followed related links: ``limit`` (1-200, default 50) pairs, most clicks first."""
    db = database.session()
    limit = int_arg("limit", 50, 1, 200)
    return jsonify(
        {
            "click_counting": bool(g.site.setting("click_counting")),
            "total": clicks.total_clicks(db, g.site.id),
            "items": [_dated(e) for e in clicks.top_pairs(db, g.site.id, limit)],
        }
    )
