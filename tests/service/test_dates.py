from datetime import UTC, datetime, timedelta, timezone

from service.dates import iso


def test_iso_writes_utc_as_z_and_keeps_other_offsets():
    assert iso(datetime(2026, 1, 31, 9, 0, tzinfo=UTC)) == "2026-01-31T09:00:00Z"
    assert iso(datetime(2026, 1, 31, 9, 0, 5, 120000, tzinfo=UTC)) == "2026-01-31T09:00:05.120000Z"
    assert iso(datetime(2026, 1, 31, 9, 0, tzinfo=timezone(timedelta(hours=2)))) == "2026-01-31T09:00:00+02:00"


def test_iso_of_none_is_none():
    assert iso(None) is None
