"""Editors' API for reader topics (Bearer key, the key's own site only).

- ``GET /api/v1/topics`` (``?active=true|false`` to filter), ``POST /api/v1/topics``
- ``GET|PATCH|DELETE /api/v1/topics/<id>``

A topic is ``{"name", "description", "match_terms": [...], "labels": [...], "position", "active"}``; names are
unique per site whatever their case (409), every other problem is a 422 naming the field.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from newsletter import reader_topics
from service import db as database
from service.auth import require_api_key
from service.http import json_body

bp = Blueprint("topics_api", __name__, url_prefix="/api/v1/topics")


@bp.get("")
@require_api_key
def list_topics() -> Any:
    topics = reader_topics.site_reader_topics(database.session(), g.site, active_only=False)
    active = request.args.get("active")
    if active in ("true", "false"):
        topics = [t for t in topics if t.active == (active == "true")]
    return jsonify({"items": [reader_topics.topic_json(t) for t in topics]})


@bp.post("")
@require_api_key
def create_topic() -> Any:
    data = reader_topics.parse_topic(json_body())
    db = database.session()
    topic = reader_topics.save_topic(db, g.site, data)
    db.commit()
    return jsonify(reader_topics.topic_json(topic)), 201


@bp.get("/<int:topic_id>")
@require_api_key
def show_topic(topic_id: int) -> Any:
    return jsonify(reader_topics.topic_json(reader_topics.get_topic(database.session(), g.site, topic_id)))


@bp.patch("/<int:topic_id>")
@require_api_key
def patch_topic(topic_id: int) -> Any:
    db = database.session()
    topic = reader_topics.get_topic(db, g.site, topic_id)
    data = reader_topics.parse_topic(json_body(), topic)
    reader_topics.save_topic(db, g.site, data, topic)
    db.commit()
    return jsonify(reader_topics.topic_json(topic))


@bp.delete("/<int:topic_id>")
@require_api_key
def delete_topic(topic_id: int) -> Any:
    db = database.session()
    reader_topics.delete_topic(db, g.site, topic_id)
    db.commit()
    return "", 204
