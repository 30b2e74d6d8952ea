"""Checks for the per-site options editors set through the API and the admin pages.

Each checker takes the submitted value and returns the value to store, or raises ``ValueError`` with a
sentence for the person who typed it. :func:`validate_options` runs every checker and reports every
problem at once, so nothing is half-saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from service.errors import ApiError
from service.host_aliases import check_host_aliases
from service.sites import DEFAULT_SITE_SETTINGS, Site

WEBSITE_URL_MAX = 2000
DISCLAIMER_MAX = 1000


def check_website_url(value: Any) -> str:
    """An absolute http(s) address, or "" for none."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("Enter the address as text.")
    value = value.strip()
    if not value:
        return ""
    if len(value) > WEBSITE_URL_MAX:
        raise ValueError(f"Use at most {WEBSITE_URL_MAX} characters.")
    if any(ch.isspace() or ch in "<>\"'\\`" or ord(ch) < 32 for ch in value):
        raise ValueError("An address has no spaces, quotes or angle brackets.")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("Enter a full address starting with https:// (or http://).")
    return value


def check_medical_disclaimer(value: Any) -> str:
    """Plain text of up to :data:`DISCLAIMER_MAX` characters; blank restores the default wording."""
    if value is None:
        return str(DEFAULT_SITE_SETTINGS["medical_disclaimer"])
    if not isinstance(value, str):
        raise ValueError("Enter the disclaimer as text.")
    text = " ".join(value.replace("\x00", "").split())
    if not text:
        return str(DEFAULT_SITE_SETTINGS["medical_disclaimer"])
    if len(text) > DISCLAIMER_MAX:
        raise ValueError(f"Use at most {DISCLAIMER_MAX} characters.")
    return text


def check_default_time_zone(value: Any) -> str:
    """An IANA time zone name known here (the zone of sign-ups whose browser sent none)."""
    if not isinstance(value, str) or value.strip() not in available_timezones():
        raise ValueError("Enter a time zone such as Europe/London or America/Chicago.")
    return value.strip()


def check_widget_limit(value: Any) -> int:
    """How many links a widget shows when the page does not say: a whole number from 1 to 20."""
    if type(value) is str and value.strip().isdigit():
        value = int(value.strip())
    if type(value) is not int or not 1 <= value <= 20:
        raise ValueError("Enter a whole number of links from 1 to 20.")
    return value


#: the options editors may set, each with its checker
CHECKS: dict[str, Callable[[Any], Any]] = {
    "website_url": check_website_url,
    "medical_disclaimer": check_medical_disclaimer,
    "privacy_url": check_website_url,
    "default_time_zone": check_default_time_zone,
    "host_aliases": check_host_aliases,
    "widget_limit": check_widget_limit,
}


def validate_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The checked values of ``values`` (only names in :data:`CHECKS`); a 422 naming every bad field."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        check = CHECKS.get(name)
        if check is None:
            errors[name] = "Not a setting that can be changed here."
            continue
        try:
            clean[name] = check(value)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ApiError(422, "invalid_fields", "Some settings are invalid.", errors)
    return clean


def apply_options(site: Site, clean: Mapping[str, Any]) -> None:
    """Store checked values in ``site.settings`` (a new dict, so the JSON column sees the change)."""
    settings: dict[str, Any] = dict(site.settings or {})
    settings.update(clean)
    site.settings = settings


def options_view(site: Site) -> dict[str, Any]:
    """The current value of every editable option (defaults filled in)."""
    return {name: site.setting(name) for name in CHECKS}
