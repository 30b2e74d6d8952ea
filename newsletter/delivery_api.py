"""Webhooks through which mail providers report bounces and complaints (no API key: each is authenticated).

- ``POST /api/v1/webhooks/delivery-events``: the generic JSON shape, signed with ``DELIVERY_WEBHOOK_SECRET``.
- ``POST /api/v1/webhooks/ses``: an Amazon SNS message carrying SES notifications, as SNS posts it, relayed
  and signed with the same secret (SNS's own signature needs its certificate fetched over the internet).
- ``POST /api/v1/webhooks/postmark``: Postmark's bounce and spam-complaint webhooks, with HTTP basic auth
  (``POSTMARK_WEBHOOK_USERNAME``/``POSTMARK_WEBHOOK_PASSWORD``), as Postmark protects its webhooks.

A signed request carries ``X-Clinic-Reads-Timestamp`` (Unix seconds) and ``X-Clinic-Reads-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>." + body>``; a timestamp further than
``DELIVERY_WEBHOOK_TOLERANCE_S`` from now is refused, so a captured request cannot be replayed later. An
endpoint whose secret is not set answers 404.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from articles.schemas import parse_model
from newsletter.delivery_events import DeliveryEvent, apply_delivery_events
from newsletter.delivery_formats import (
    DeliveryEventsIn,
    UnreadablePayload,
    generic_events,
    postmark_events,
    sns_message,
)
from service import db as database
from service.errors import ApiError
from service.http import json_body

log = logging.getLogger(__name__)

bp = Blueprint("delivery_webhooks", __name__, url_prefix="/api/v1/webhooks")

TIMESTAMP_HEADER = "X-Clinic-Reads-Timestamp"
SIGNATURE_HEADER = "X-Clinic-Reads-Signature"


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value a sender computes for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _configured(name: str) -> str:
    value = str(current_app.config.get(name) or "")
    if not value:
        raise ApiError(404, "webhook_not_configured", f"This webhook is off: {name} is not set.")
    return value


def _check_signature() -> None:
    secret = _configured("DELIVERY_WEBHOOK_SECRET")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        raise ApiError(401, "missing_signature", f"Send the {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers.")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise ApiError(401, "invalid_timestamp", f"{TIMESTAMP_HEADER} must be Unix seconds.")
    tolerance = int(current_app.config["DELIVERY_WEBHOOK_TOLERANCE_S"])
    if abs(time.time() - int(timestamp)) > tolerance:
        raise ApiError(401, "stale_timestamp", f"The timestamp is more than {tolerance} seconds from now.")
    expected = signature_for(secret, timestamp, request.get_data(cache=True))
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace")):
        raise ApiError(401, "invalid_signature", "The signature does not match the body.")


def _check_basic_auth() -> None:
    password = _configured("POSTMARK_WEBHOOK_PASSWORD")
    expected = f"{current_app.config['POSTMARK_WEBHOOK_USERNAME']}:{password}".encode()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        given = base64.b64decode(token.strip(), validate=True) if scheme.lower() == "basic" else b""
    except ValueError:
        given = b""
    if not hmac.compare_digest(given, expected):
        raise ApiError(401, "invalid_credentials", "Send the webhook's user name and password (HTTP basic auth).")


def _apply(events: list[DeliveryEvent]) -> dict[str, Any]:
    db = database.session()
    outcomes = apply_delivery_events(db, events)
    db.commit()
    return {"received": len(events), "outcomes": outcomes}


def _unreadable(exc: UnreadablePayload) -> ApiError:
    return ApiError(422, "invalid_payload", str(exc))


@bp.post("/delivery-events")
def generic_delivery_events() -> Any:
    _check_signature()
    body = parse_model(DeliveryEventsIn, json_body())
    return jsonify(_apply(generic_events(body)))


@bp.post("/ses")
def ses_notifications() -> Any:
    _check_signature()
    try:
        message = sns_message(request.get_data(cache=True), request.headers.get("x-amz-sns-message-type"))
    except UnreadablePayload as exc:
        raise _unreadable(exc) from None
    if message.type == "SubscriptionConfirmation":
        # the relay, which can reach AWS, visits the URL (or an operator confirms it in the SNS console)
        log.warning("SNS subscription confirmation received for topic %s", message.topic_arn)
        return jsonify({"type": message.type, "topic_arn": message.topic_arn, "subscribe_url": message.subscribe_url})
    return jsonify({"type": message.type, "topic_arn": message.topic_arn, **_apply(message.events)})


@bp.post("/postmark")
def postmark_webhook() -> Any:
    _check_basic_auth()
    try:
        events = postmark_events(request.get_data(cache=True))
    except UnreadablePayload as exc:
        raise _unreadable(exc) from None
    return jsonify(_apply(events))
