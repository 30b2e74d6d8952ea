"""Changing a site's settings: widget origins, email branding and related-links options (one validation step)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from sqlalchemy.orm import Session

from articles.urls import InvalidUrl, canonicalize_url
from service.errors import ApiError
from service.sites import COLOUR_PATTERN, DEFAULT_SITE_SETTINGS, Site, validate_origin

OPTIONS = ("related_fallback", "click_counting")


def update_site(
    db: Session,
    site: Site,
    *,
    allowed_origins: list[str],
    logo_url: str | None,
    brand_colour: str,
    postal_address: str,
    from_email: str | None,
    reply_to: str | None,
    options: dict[str, bool],
    privacy_url: str | None = None,
    default_time_zone: str | None = None,
) -> Site:
    """Validate every value, then apply them all (or none: a 422 names each bad field). Flushes."""
    errors: dict[str, str] = {}
    origins: list[str] = []
    for origin in allowed_origins:
        try:
            origins.append(validate_origin(origin))
        except ApiError as err:
            errors.setdefault("allowed_origins", err.message)
    if logo_url:
        try:
            logo_url = canonicalize_url(logo_url)
        except InvalidUrl as exc:
            errors["logo_url"] = str(exc)
    if not COLOUR_PATTERN.match(brand_colour or ""):
        errors["brand_colour"] = "Enter a colour as #rrggbb."
    if privacy_url:
        try:
            privacy_url = canonicalize_url(privacy_url)
        except InvalidUrl as exc:
            errors["privacy_url"] = str(exc)
    if default_time_zone and default_time_zone not in available_timezones():
        errors["default_time_zone"] = "Enter a time zone such as Europe/London or America/Chicago."
    unknown = set(options) - set(OPTIONS)
    if unknown:
        errors["options"] = f"Unknown options: {', '.join(sorted(unknown))}"
    if errors:
        raise ApiError(422, "invalid_fields", "Some settings are invalid.", errors)
    site.allowed_origins = list(dict.fromkeys(origins))
    site.logo_url = logo_url or None
    site.brand_colour = brand_colour.lower()
    site.postal_address = postal_address.strip()
    site.from_email = from_email or None
    site.reply_to = reply_to or None
    settings: dict[str, Any] = dict(site.settings or {})
    settings.update({name: bool(value) for name, value in options.items()})
    if privacy_url is not None:
        settings["privacy_url"] = privacy_url
    if default_time_zone:
        settings["default_time_zone"] = default_time_zone
    site.settings = settings
    db.flush()
    return site


def options_of(site: Site) -> dict[str, Any]:
    return {name: site.setting(name) for name in OPTIONS if name in DEFAULT_SITE_SETTINGS}
