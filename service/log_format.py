"""The service's log output: one handler on stderr, plain text or one JSON object a line (``LOG_FORMAT``).

Every record carries the id of the request being handled (``request_id``, ``-`` outside a request). JSON lines
hold ``time``, ``level``, ``logger``, ``message``, ``request_id``, the request line's own fields (``method``,
``path``, ``status``, ``duration_ms``) when present, and ``exception`` with the traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from service.request_log import current_request_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
#: the request line's fields copied into JSON lines
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")


class RequestIdFilter(logging.Filter):
    """Put the current request's id on each record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ServiceHandler(logging.StreamHandler):
    """The one stderr handler the service adds to the root logger (found again when the app is built twice)."""


def configure(level: str, log_format: str, loggers: tuple[str, ...]) -> None:
    """Send the service's loggers to stderr at ``level``, formatted as ``log_format`` (text or json)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, ServiceHandler)), None)
    if handler is None:
        handler = ServiceHandler(sys.stderr)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    for name in loggers:
        logging.getLogger(name).setLevel(level.upper())
