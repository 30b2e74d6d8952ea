"""Times on the admin pages in the site's own zone (its ``default_time_zone`` option), to the minute."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from service.sites import Site


def site_zone(site: Site) -> ZoneInfo:
    """The site's zone; UTC if the stored name is unknown on this machine."""
    try:
        return ZoneInfo(str(site.setting("default_time_zone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(value: datetime | None, site: Site) -> str:
    """``2026-03-01 09:30 GMT``: the moment in the site's zone with the zone's abbreviation; "—" for none."""
    if value is None:
        return "—"
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    local = moment.astimezone(site_zone(site))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
