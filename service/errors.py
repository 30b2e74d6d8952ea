"""One error format: JSON ``{"error": {"code", "message", "fields"}}`` for API callers, a page for people."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics")


class ApiError(Exception):
    """An error with an HTTP status, a stable machine code, a message, and optional per-field messages."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


def wants_json() -> bool:
    return request.path.startswith(API_PREFIXES) or request.accept_mimetypes.best == "application/json"


def error_response(err: ApiError) -> Response | tuple[Any, int]:
    if wants_json():
        response = jsonify(err.body())
        response.status_code = err.status
        return response
    return render_template("error.html", status=err.status, message=err.message), err.status


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    message = exc.description or exc.name
    if status == 413:
        message = "The request body is larger than this service accepts."
    response = error_response(ApiError(status, _HTTP_CODES.get(status, "http_error"), message))
    if status == 405 and isinstance(response, Response) and exc.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def _unexpected(exc: Exception) -> Any:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(ApiError(500, "internal_error", "Something went wrong on our side; it has been logged."))


#: seconds a client is asked to wait after a 503 for an unreachable database
DATABASE_RETRY_AFTER = 5


def _database_error(exc: DBAPIError) -> Any:
    """A database that is unreachable for a moment (a restart, a failover, SQLite locked past its busy timeout)
    is a 503 the client may retry; any other database error is unexpected. Only the driver's error class is
    logged: the statement's parameters may carry people's data."""
    if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
        return _unexpected(exc)
    log.error(
        "database unavailable on %s %s: %s%s",
        request.method,
        request.path,
        exc.orig.__class__.__name__,
        " (connection lost)" if exc.connection_invalidated else "",
    )
    response = error_response(
        ApiError(503, "database_unavailable", "The database is unavailable for a moment; please try again shortly.")
    )
    if isinstance(response, tuple):
        response = make_response(response)
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected)
