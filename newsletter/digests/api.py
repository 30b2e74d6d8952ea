"""Editors' API for digests: preview what a subscriber would get now, send a test, and run reports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify
from sqlalchemy import select

from newsletter.digests import ledger
from newsletter.digests.run import digest_html, preview_digest, send_test_digest
from newsletter.inputs import InvalidEmail, normalise_email
from newsletter.models import Subscriber
from service import db as database
from service.auth import require_api_key
from service.db import utcnow
from service.errors import ApiError
from service.http import choice_arg, int_arg, is_id, json_body

bp = Blueprint("digest_api", __name__, url_prefix="/api/v1")


def _subscriber(subscriber_id: Any) -> Subscriber:
    if not is_id(subscriber_id):
        raise ApiError(422, "invalid_fields", "subscriber_id must be a number.", {"subscriber_id": "required"})
    subscriber = database.session().get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.site_id != g.site.id:
        raise ApiError(404, "unknown_subscriber", f"No subscriber {subscriber_id}.")
    return subscriber


def _compose_now(subscriber: Subscriber) -> Any:
    now = utcnow()
    return now, preview_digest(database.session(), g.site, subscriber, now)


def _picks_json(digest: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": p.article.id,
            "title": p.article.title,
            "url": p.article.url,
            "score": round(p.score, 4),
            "reason": p.reason,
        }
        for p in digest.picks
    ]


@bp.get("/subscribers/<int:subscriber_id>/digest-preview")
@require_api_key(scope="subscribers")
def preview(subscriber_id: int) -> Any:
    """The digest this subscriber would get now (nothing is sent or recorded)."""
    subscriber = _subscriber(subscriber_id)
    now, digest = _compose_now(subscriber)
    if choice_arg("format", ("json", "html")) == "html":
        if digest.skipped:
            raise ApiError(404, "empty_digest", f"Nothing to send now ({digest.skipped}).")
        html = digest_html(g.site, subscriber, digest, current_app.config, now)
        return html, 200, {"Content-Type": "text/html; charset=utf-8"}
    return jsonify({"subscriber_id": subscriber.id, "skipped": digest.skipped, "items": _picks_json(digest)})


@bp.post("/digests/test")
@require_api_key(scope="subscribers")
def send_test() -> Any:
    """Send the digest a subscriber would get now to another address (for checking; not recorded)."""
    body = json_body()
    if not isinstance(body, dict) or set(body) - {"subscriber_id", "email"}:
        raise ApiError(422, "invalid_fields", 'Send {"subscriber_id": ..., "email": ...}.', {"body": "unknown fields"})
    subscriber = _subscriber(body.get("subscriber_id"))
    try:
        address = normalise_email(body.get("email"))
    except InvalidEmail as exc:
        raise ApiError(422, "invalid_fields", "Not a valid email address.", {"email": str(exc)}) from None
    digest, result = send_test_digest(database.session(), g.site, subscriber, address, current_app.config, utcnow())
    return jsonify({"sent_to": address, "message_id": result.message_id, "items": _picks_json(digest)}), 202


@bp.get("/digests/runs")
@require_api_key(scope="subscribers")
def runs() -> Any:
    rows = database.session().scalars(
        select(ledger.DigestRun)
        .where(ledger.DigestRun.site_id == g.site.id)
        .order_by(ledger.DigestRun.started_at.desc(), ledger.DigestRun.id.desc())
        .limit(int_arg("limit", 20, 1, 200))
    )
    return jsonify(
        {
            "items": [
                {
                    "started_at": r.started_at.isoformat(),
                    "due": r.due,
                    "sent": r.sent,
                    "skipped": r.skipped,
                    "failed": r.failed,
                    "reasons": r.reasons,
                }
                for r in rows
            ]
        }
    )
