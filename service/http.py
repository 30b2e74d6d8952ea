"""Reading request input the same way everywhere: JSON bodies and query parameters, with clear errors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from flask import request

from service.errors import ApiError


def json_body() -> Any:
    """The parsed JSON body: 415 when it is not JSON, 400 when it does not parse."""
    if not request.is_json:
        raise ApiError(415, "not_json", "Send the body as JSON with 'Content-Type: application/json'.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "malformed_json", "The body is not valid JSON.")
    return data


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ApiError(
            400,
            "invalid_parameter",
            f"'{name}' must be a whole number from {low} to {high}.",
            {name: f"must be {low}-{high}"},
        )
    return value


def choice_arg(name: str, choices: tuple[str, ...]) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise ApiError(
            400, "invalid_parameter", f"'{name}' must be one of: {', '.join(choices)}.", {name: "unknown value"}
        )
    return raw


def datetime_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ApiError(
            400, "invalid_parameter", f"'{name}' must be an ISO 8601 date-time.", {name: "not ISO 8601"}
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def bool_arg(name: str) -> bool:
    raw = (request.args.get(name) or "").lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ApiError(400, "invalid_parameter", f"'{name}' must be true or false.", {name: "not a boolean"})


def encode_cursor(kind: str, last_id: int) -> str:
    """An opaque page cursor: the last id of a page, tagged with what it pages through."""
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> int:
    """The id a cursor of ``kind`` continues after; 400 for anything this API did not give out."""
    try:
        tag, _, value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        if tag != kind:
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave out.") from None
