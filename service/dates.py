"""Dates as the JSON API writes them."""

from __future__ import annotations

from datetime import datetime


def iso(value: datetime | None) -> str | None:
    """ISO 8601, UTC written as ``Z`` (``2026-01-31T09:00:00Z``); None stays None."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
