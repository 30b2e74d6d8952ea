"""Changing a site's settings: widget origins, email branding and related-links options (one validation step)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from articles.urls import InvalidUrl, canonicalize_url
from service.errors import ApiError
from service.site_options import apply_options, validate_options
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
    site_options: dict[str, Any] | None = None,
) -> Site:
    """Validate every value, then apply them all (or none: a 422 names each bad field). Flushes.

    ``site_options`` are options checked by :mod:`service.site_options` (website address, disclaimer,
    privacy notice, default time zone).
    """
    errors: dict[str, str] = {}
    checked: dict[str, Any] = {}
    try:
        checked = validate_options(site_options or {})
    except ApiError as err:
        errors.update(err.fields)
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
    site.settings = settings
    apply_options(site, checked)
    db.flush()
    return site


def options_of(site: Site) -> dict[str, Any]:
    return {name: site.setting(name) for name in OPTIONS if name in DEFAULT_SITE_SETTINGS}
