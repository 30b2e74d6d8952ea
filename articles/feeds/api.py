"""Editors' REST API for feed sources: /api/v1/feeds, scoped to the API key's site."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import select

from articles.feeds import sources
from articles.feeds.models import FeedPoll, FeedSource
from articles.feeds.polling import poll_feed
from articles.feeds.sources import FeedIn, FeedPatch
from articles.schemas import parse_model
from service import db as database
from service.auth import require_api_key
from service.dates import iso
from service.db import utcnow
from service.errors import ApiError
from service.http import int_arg, json_body

log = logging.getLogger(__name__)
bp = Blueprint("feeds_api", __name__, url_prefix="/api/v1/feeds")

RECENT_POLLS = 10


def poll_json(poll: FeedPoll) -> dict[str, Any]:
    return {
        "id": poll.id,
        "feed_id": poll.feed_id,
        "started_at": iso(poll.started_at),
        "finished_at": iso(poll.finished_at),
        "http_status": poll.http_status,
        "outcome": poll.outcome,
        "entries_seen": poll.entries_seen,
        "created": poll.created,
        "updated": poll.updated,
        "unchanged": poll.unchanged,
        "skipped_edited": poll.skipped_edited,
        "rejected": poll.rejected,
        "rejections": poll.rejections or [],
        "warning": poll.warning,
        "error": poll.error,
    }


def feed_json(feed: FeedSource) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "interval_minutes": feed.interval_minutes,
        "paused": feed.paused,
        "created_at": iso(feed.created_at),
        "status": {
            "last_status": feed.last_status,
            "last_http_status": feed.last_http_status,
            "last_error": feed.last_error,
            "last_warning": feed.last_warning,
            "consecutive_failures": feed.consecutive_failures,
            "last_polled_at": iso(feed.last_polled_at),
            "next_poll_at": iso(feed.next_poll_at),
            "last_counts": feed.last_counts or {},
        },
    }


def _allow_private() -> bool:
    return bool(current_app.config.get("FEEDS_ALLOW_PRIVATE_HOSTS", False))


@bp.post("")
@require_api_key
def add() -> Any:
    data = parse_model(FeedIn, json_body())
    db = database.session()
    feed = sources.add_feed(
        db,
        g.site,
        data,
        allow_private=_allow_private(),
        allowed_networks=sources.allowed_networks(current_app.config),
    )
    db.commit()
    log.info("feed %s added to site %s: %s", feed.id, g.site.slug, feed.url)
    return jsonify(feed_json(feed)), 201


@bp.get("")
@require_api_key
def list_() -> Any:
    return jsonify({"items": [feed_json(f) for f in sources.list_feeds(database.session(), g.site)]})


@bp.get("/<int:feed_id>")
@require_api_key
def show(feed_id: int) -> Any:
    db = database.session()
    feed = sources.get_feed(db, g.site, feed_id)
    polls = db.scalars(
        select(FeedPoll).where(FeedPoll.feed_id == feed.id).order_by(FeedPoll.id.desc()).limit(RECENT_POLLS)
    )
    return jsonify({**feed_json(feed), "recent_polls": [poll_json(p) for p in polls]})


@bp.patch("/<int:feed_id>")
@require_api_key
def change(feed_id: int) -> Any:
    patch = parse_model(FeedPatch, json_body())
    db = database.session()
    feed = sources.update_feed(db, g.site, feed_id, patch)
    db.commit()
    return jsonify(feed_json(feed))


@bp.delete("/<int:feed_id>")
@require_api_key
def remove(feed_id: int) -> Any:
    db = database.session()
    sources.delete_feed(db, g.site, feed_id)
    db.commit()
    log.info("feed %s of site %s deleted", feed_id, g.site.slug)
    return "", 204


@bp.post("/<int:feed_id>/poll")
@require_api_key
def poll_now(feed_id: int) -> Any:
    db = database.session()
    feed = sources.get_feed(db, g.site, feed_id)
    poll = poll_feed(db, feed, utcnow(), current_app.config)
    return jsonify(poll_json(poll))


@bp.post("/opml")
@require_api_key
def opml() -> Any:
    """Import an OPML document sent as the request body (``?interval_minutes=`` for the new feeds)."""
    interval = int_arg("interval_minutes", sources.INTERVAL_DEFAULT, sources.INTERVAL_MIN, sources.INTERVAL_MAX)
    if request.is_json:
        raise ApiError(415, "not_opml", "Send the OPML document itself as the body (Content-Type: text/xml).")
    db = database.session()
    report = sources.import_opml(
        db,
        g.site,
        request.get_data(cache=False),
        allow_private=_allow_private(),
        interval_minutes=interval,
        allowed_networks=sources.allowed_networks(current_app.config),
    )
    db.commit()
    log.info("OPML import for site %s: %s", g.site.slug, report.counts)
    return jsonify({"counts": report.counts, "items": report.items})
