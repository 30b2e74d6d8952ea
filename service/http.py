"""Reading request input the same way everywhere: JSON bodies and query parameters, with clear errors."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from service.errors import ApiError

#: the largest id any table hands out: PostgreSQL's INTEGER (SQLite's is wider), so one bound serves both
MAX_ID = 2**31 - 1

#: how deep a JSON body may nest; the service's own bodies go three levels down
MAX_JSON_DEPTH = 32

_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(raw: str) -> int | None:
    """``raw`` as a number when it is plain ASCII digits only (no sign, space, ``_`` or other scripts' digits)."""
    return int(raw) if _WHOLE_NUMBER.fullmatch(raw) else None


def is_id(value: Any) -> bool:
    """A JSON value that can name a row: an integer (not a boolean) from 1 to ``MAX_ID``."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits from 1 to ``MAX_ID``; anything else is simply not found (404)."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> Any:
        # NotFound rather than Werkzeug's ValidationError, which answers 405 when the rule's
        # path is shared by several methods.
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise NotFound()
        return number


def _has_nul(value: Any, depth: int = 0) -> bool:
    """True when a NUL character is in any string of a JSON value (PostgreSQL text cannot hold one)."""
    if depth > MAX_JSON_DEPTH:
        raise ApiError(400, "malformed_json", f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _has_nul(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item, depth + 1) for item in value)
    return False


def _nul_error() -> ApiError:
    return ApiError(400, "nul_character", "The request contains a NUL character, which no field accepts.")


def json_body() -> Any:
    """The parsed JSON body: 415 when it is not JSON, 400 when it does not parse."""
    if not request.is_json:
        raise ApiError(415, "not_json", "Send the body as JSON with 'Content-Type: application/json'.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if data is None:
        raise ApiError(400, "malformed_json", "The body is not valid JSON.")
    if _has_nul(data):
        raise _nul_error()
    return data


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = whole_number(raw)
    if value is None or not low <= value <= high:
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
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise ApiError(
            400,
            "invalid_parameter",
            f"'{name}' must be an ISO 8601 date-time between the years 1 and 9999 in UTC.",
            {name: "not ISO 8601"},
        ) from None


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
        last_id = whole_number(value)
        if tag != kind or last_id is None or last_id > MAX_ID:
            raise ValueError
        return last_id
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave out.") from None


def _refuse_nul_characters() -> None:
    """400 for a NUL character in the path, the query string or a form field, before any view reads them."""
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        raise _nul_error()
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
            raise _nul_error()


def _limit_streamed_body() -> None:
    """413 for a body without Content-Length (chunked) that is longer than ``MAX_CONTENT_LENGTH``.

    Werkzeug cuts such a stream at the limit without saying so; here it is read up to one byte past
    the limit, refused when longer, and otherwise handed on as an ordinary body of known length.
    """
    environ = request.environ
    limit = request.max_content_length
    if limit is None or request.content_length is not None or "wsgi.input_terminated" not in environ:
        return
    data = environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "body_too_large", "The request body is larger than this service accepts.")
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    del environ["wsgi.input_terminated"]


def init_app(app: Flask) -> None:
    """Bounded ids in every route, and the checks every request passes before any view. Call it first."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_limit_streamed_body)
    app.before_request(_refuse_nul_characters)
