"""Reading history on the web: the signed digest links, and the editors' API switch.

- ``GET /newsletter/<site>/read/<token>``: count the click (only while the subscriber allows it; GET only, once
  per visitor in a short window) and redirect (302) to the article's stored URL when it is on one of the site's
  allowed origins' hosts, else show a page naming the host with a link; a tampered link or an unavailable
  article is a 404 page.
- ``GET /api/v1/subscribers/<id>/reading-history``: ``{"subscriber_id", "reading_history", "clicks"}``.
- ``PUT /api/v1/subscribers/<id>/reading-history`` ``{"reading_history": true|false}``: turn it on or off;
  off deletes the stored clicks. Same answer as GET.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify
from flask.typing import ResponseReturnValue

from articles.widget import destinations, leaving
from newsletter import reading
from newsletter.models import Subscriber
from service import db as database
from service.auth import require_api_key
from service.errors import ApiError
from service.http import json_body
from service.sites import site_by_slug

bp = Blueprint("reading", __name__)


@bp.get("/newsletter/<slug>/read/<token>")
def follow(slug: str, token: str) -> ResponseReturnValue:
    db = database.session()
    site = site_by_slug(db, slug)
    link = reading.read_token(current_app.config["SECRET_KEY"], token)
    url = reading.follow(db, site.id, link, leaving.visitor(f"read:{token}"))
    db.commit()
    return leaving.lead_to(url, destinations.is_own(url, site.allowed_origins or []))


def _subscriber(subscriber_id: int) -> Subscriber:
    subscriber = database.session().get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.site_id != g.site.id:
        raise ApiError(404, "unknown_subscriber", f"No subscriber {subscriber_id}.")
    return subscriber


def _state(subscriber: Subscriber) -> Any:
    clicks = reading.clicks_of(database.session(), subscriber.id)
    return jsonify({"subscriber_id": subscriber.id, "reading_history": subscriber.reading_history, "clicks": clicks})


@bp.get("/api/v1/subscribers/<int:subscriber_id>/reading-history")
@require_api_key(scope="subscribers")
def reading_history(subscriber_id: int) -> Any:
    return _state(_subscriber(subscriber_id))


@bp.put("/api/v1/subscribers/<int:subscriber_id>/reading-history")
@require_api_key(scope="subscribers")
def set_reading_history(subscriber_id: int) -> Any:
    subscriber = _subscriber(subscriber_id)
    body = json_body()
    enabled = body.get("reading_history") if isinstance(body, dict) else None
    if not isinstance(enabled, bool) or set(body) != {"reading_history"}:
        raise ApiError(
            422, "invalid_fields", 'Send {"reading_history": true} or false.', {"reading_history": "true or false"}
        )
    db = database.session()
    reading.set_reading_history(db, subscriber, enabled)
    db.commit()
    return _state(subscriber)
