"""When a subscriber's digest is due: their frequency, weekday and hour, in their own time zone.

Each digest belongs to a *period* (a local day, ISO week or month) with a stable key. A subscriber is
due once the period's send time has passed in their zone and nothing has been recorded for that
period yet, so an hour missed while the scheduler was down is caught up later in the same period,
and a second run finds the period taken. Daylight-saving changes: a send time that does not exist on
the day (clocks jump forward) is taken at the same wall-clock offset as before the jump (one hour
later in effect); one that happens twice (clocks go back) is taken at its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FREQUENCIES = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class Period:
    key: str  # e.g. "daily:2026-11-27", "weekly:2026-W48", "monthly:2026-11"
    send_at: datetime  # aware UTC: when this period's digest becomes due
    starts: datetime  # aware UTC: start of the period (local midnight), the window of "new" articles
    previous_starts: datetime  # aware UTC: start of the period before (the first digest's window)


def _utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _first_weekday(year: int, month: int, weekday: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def current_period(frequency: str, weekday: int, hour: int, tz_name: str, now: datetime) -> Period:
    """The period ``now`` falls in for a subscriber with these preferences."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    zone = ZoneInfo(tz_name)
    local = now.astimezone(zone).date()
    at = time(hour=hour)
    if frequency == "daily":
        return Period(
            f"daily:{local.isoformat()}",
            _utc(local, at, zone),
            _utc(local, time(), zone),
            _utc(local - timedelta(days=1), time(), zone),
        )
    if frequency == "weekly":
        monday = local - timedelta(days=local.weekday())
        year, week, _ = monday.isocalendar()
        return Period(
            f"weekly:{year}-W{week:02d}",
            _utc(monday + timedelta(days=weekday), at, zone),
            _utc(monday, time(), zone),
            _utc(monday - timedelta(days=7), time(), zone),
        )
    first = _month_start(local)
    return Period(
        f"monthly:{first:%Y-%m}",
        _utc(_first_weekday(first.year, first.month, weekday), at, zone),
        _utc(first, time(), zone),
        _utc(_month_start(local, 1), time(), zone),
    )


def due_period(frequency: str, weekday: int, hour: int, tz_name: str, now: datetime) -> Period | None:
    """The period whose digest is due at ``now``, or None while this period's send time is still ahead."""
    period = current_period(frequency, weekday, hour, tz_name, now)
    return period if now >= period.send_at else None
