"""Changing a site's settings: widget origins, email branding and the per-site options (one validation step)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from articles.site_options import apply_checked
from articles.urls import InvalidUrl, canonicalize_url
from service.errors import ApiError
from service.site_options import check_email_address, validate_options
from service.sites import COLOUR_PATTERN, Site, validate_origin


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
    site_options: Mapping[str, Any] | None = None,
) -> set[str]:
    """Validate every value, then apply them all (or none: a 422 names each bad field). Flushes.

    ``site_options`` are the per-site options checked by :mod:`service.site_options`; those that shape
    related lists queue the site's articles for recomputing. Returns the names of the options that changed.
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
    addresses: dict[str, str | None] = {"from_email": from_email, "reply_to": reply_to}
    for name, address in addresses.items():
        try:
            addresses[name] = check_email_address(address, "news@yourclinic.example") or None
        except ValueError as exc:
            errors[name] = str(exc)
    if not COLOUR_PATTERN.match(brand_colour or ""):
        errors["brand_colour"] = "Enter a colour as #rrggbb."
    if errors:
        raise ApiError(422, "invalid_fields", "Some settings are invalid.", errors)
    site.allowed_origins = list(dict.fromkeys(origins))
    site.logo_url = logo_url or None
    site.brand_colour = brand_colour.lower()
    site.postal_address = postal_address.strip()
    site.from_email, site.reply_to = addresses["from_email"], addresses["reply_to"]
    return apply_checked(db, site, checked)
