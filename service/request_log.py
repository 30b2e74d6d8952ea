"""One log line and one count per request, with a request id, for every answer the app gives.

``RequestLog`` wraps the whole WSGI app (outside the widget's fast lane, so its answers are logged and counted
too). A request's id is the caller's ``X-Request-ID`` when it is sane (1-128 letters, digits, ``.``, ``_``,
``-`` or ``:``), else a new one; it is returned in the answer's ``X-Request-ID`` header, put on every log record
written while the request is handled, and kept in the WSGI environ for code that passes it on.

The line names the path only, never the query string (sign-up choices, search words, cursors, tokens), and
any path segment that can be a token or an address (32 characters or more, or holding ``@``) is replaced by
``…``; nobody's address or interests are ever in it.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wsgi import ClosingIterator

from service.metrics import HTTP_LATENCY, HTTP_REQUESTS, labelled

log = logging.getLogger("service.requests")

REQUEST_ID_HEADER = "X-Request-ID"
#: where the request's id is kept in the WSGI environ
ENVIRON_KEY = "clinicreads.request_id"
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECRET_SEGMENT = re.compile(r"(?<=/)(?:[^/]{32,}|[^/]*@[^/]*)(?=/|$)")

#: the id of the request this thread (or task) is handling, for log records
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

#: (path prefix, group) pairs, first match wins: request counts and latency are labelled with the group
ROUTE_GROUPS: tuple[tuple[str, str], ...] = (
    ("/api/v1/sites/", "public_api"),
    ("/widget/", "widget"),
    ("/r/", "clicks"),
    ("/api/v1/subscribers", "subscribers_api"),
    ("/api/v1/digests", "subscribers_api"),
    ("/api/", "editors_api"),
    ("/admin", "admin"),
    ("/newsletter/", "newsletter"),
    ("/healthz", "health"),
    ("/readyz", "health"),
    ("/metrics", "metrics"),
    ("/static/", "static"),
)


def route_group(path: str) -> str:
    """The group a path's requests are counted under ("other" for anything unknown, such as 404 probes)."""
    if path.startswith("/api/v1/sites/") and path.endswith("/related"):
        return "widget_api"
    return next((group for prefix, group in ROUTE_GROUPS if path.startswith(prefix)), "other")


def accepted_request_id(value: str | None) -> str:
    """The caller's request id when it is sane, else a new random one."""
    if value and SANE_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


def loggable_path(path: str) -> str:
    """``path`` with token-like and address-like segments replaced by ``…``."""
    return _SECRET_SEGMENT.sub("…", path)


class RequestLog:
    """The WSGI middleware: request id in and out, one log line and one count per request."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = accepted_request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_KEY] = request_id
        current_request_id.set(request_id)
        status: list[str] = []

        def start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[:] = [code]
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append((REQUEST_ID_HEADER, request_id))
            return start_response(code, headers, exc_info) if exc_info is not None else start_response(code, headers)

        def finish() -> None:
            _record(environ, status[0] if status else "500", time.perf_counter() - started, request_id)
            current_request_id.set(None)

        try:
            body = self.wsgi_app(environ, start)
        except BaseException:
            finish()
            raise
        return ClosingIterator(body, [finish])


def _record(environ: dict[str, Any], status: str, seconds: float, request_id: str) -> None:
    path = environ.get("PATH_INFO", "") or "/"
    method = environ.get("REQUEST_METHOD", "")
    code = status.split(" ", 1)[0]
    group = route_group(path)
    labelled(HTTP_REQUESTS, group, method, f"{code[:1]}xx").inc()
    labelled(HTTP_LATENCY, group).observe(seconds)
    if not log.isEnabledFor(logging.INFO):
        return
    shown = loggable_path(path)
    log.info(
        "%s %s %s %.1fms",
        method,
        shown,
        code,
        seconds * 1000,
        extra={"method": method, "path": shown, "status": int(code), "duration_ms": round(seconds * 1000, 1)},
    )
