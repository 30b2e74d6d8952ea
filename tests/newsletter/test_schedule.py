"""Who is due, with the clock passed in: time zones, weekdays, months and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfoNotFoundError

import pytest

from newsletter.digests.schedule import current_period, due_period


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_in_new_york_is_due_from_its_local_hour() -> None:
    # 08:00 in New York on 2026-01-15 is 13:00 UTC (EST, UTC-5)
    assert due_period("daily", 0, 8, "America/New_York", utc(2026, 1, 15, 12, 59)) is None
    period = due_period("daily", 0, 8, "America/New_York", utc(2026, 1, 15, 13, 0))
    assert period is not None and period.key == "daily:2026-01-15"
    assert period.send_at == utc(2026, 1, 15, 13, 0)
    # later the same local day: still the same period (caught up once, not a new one)
    assert due_period("daily", 0, 8, "America/New_York", utc(2026, 1, 16, 4, 0)).key == "daily:2026-01-15"


def test_the_same_instant_is_a_different_day_in_tokyo() -> None:
    now = utc(2026, 1, 15, 23, 30)  # 08:30 on the 16th in Tokyo
    assert due_period("daily", 0, 8, "Asia/Tokyo", now).key == "daily:2026-01-16"
    assert due_period("daily", 0, 8, "Europe/London", now).key == "daily:2026-01-15"


def test_weekly_waits_for_the_chosen_weekday() -> None:
    # Thursday (3) at 09:00 Berlin; 2026-03-12 is a Thursday, CET is UTC+1
    assert due_period("weekly", 3, 9, "Europe/Berlin", utc(2026, 3, 11, 9, 0)) is None
    period = due_period("weekly", 3, 9, "Europe/Berlin", utc(2026, 3, 12, 8, 0))
    assert period.key == "weekly:2026-W11" and period.send_at == utc(2026, 3, 12, 8, 0)
    assert due_period("weekly", 3, 9, "Europe/Berlin", utc(2026, 3, 15, 22, 0)).key == "weekly:2026-W11"


def test_monthly_is_the_first_chosen_weekday_of_the_month() -> None:
    # first Monday of June 2026 is the 1st; of July 2026 the 6th
    assert due_period("monthly", 0, 7, "UTC", utc(2026, 6, 1, 7, 0)).key == "monthly:2026-06"
    assert due_period("monthly", 0, 7, "UTC", utc(2026, 7, 3, 12, 0)) is None
    assert due_period("monthly", 0, 7, "UTC", utc(2026, 7, 6, 7, 0)).key == "monthly:2026-07"


def test_spring_forward_send_time_that_does_not_exist_is_sent_once() -> None:
    # US clocks jump from 02:00 to 03:00 on 2026-03-08; 02:30 local does not exist that day
    zone = "America/New_York"
    period = current_period("daily", 0, 2, zone, utc(2026, 3, 8, 12, 0))
    assert period.key == "daily:2026-03-08"
    assert period.send_at == utc(2026, 3, 8, 7, 0)  # the EST offset, i.e. 03:00 EDT
    assert due_period("daily", 0, 2, zone, utc(2026, 3, 8, 6, 59)) is None
    assert due_period("daily", 0, 2, zone, utc(2026, 3, 8, 7, 0)).key == "daily:2026-03-08"
    # the next day is back to 02:00 local, now EDT (UTC-4)
    assert current_period("daily", 0, 2, zone, utc(2026, 3, 9, 12, 0)).send_at == utc(2026, 3, 9, 6, 0)


def test_fall_back_hour_that_happens_twice_is_one_period() -> None:
    # clocks go back from 02:00 EDT to 01:00 EST on 2026-11-01: 01:30 happens twice
    zone = "America/New_York"
    first = due_period("daily", 0, 1, zone, utc(2026, 11, 1, 5, 0))  # 01:00 EDT
    second = due_period("daily", 0, 1, zone, utc(2026, 11, 1, 6, 30))  # 01:30 EST, the repeat
    assert first.key == second.key == "daily:2026-11-01"
    assert first.send_at == utc(2026, 11, 1, 5, 0)


def test_period_windows_cover_the_previous_period() -> None:
    period = current_period("weekly", 0, 9, "UTC", utc(2026, 3, 18, 12, 0))
    assert period.starts == utc(2026, 3, 16) and period.previous_starts == utc(2026, 3, 9)
    monthly = current_period("monthly", 0, 9, "UTC", utc(2026, 1, 20))
    assert monthly.previous_starts == utc(2025, 12, 1)


def test_unknown_frequency_or_zone_is_refused() -> None:
    with pytest.raises(ValueError):
        current_period("hourly", 0, 9, "UTC", utc(2026, 1, 1))
    with pytest.raises(ZoneInfoNotFoundError):
        current_period("daily", 0, 9, "Mars/Olympus", utc(2026, 1, 1))
