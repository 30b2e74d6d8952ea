"""Checks for the per-site options editors set through the admin pages, the API and ``flask sites set``.

Each checker takes the submitted value (a JSON value from the API, or the text typed in a form or on the
command line) and returns the value to store, or raises ``ValueError`` with a sentence for the person who
typed it. :func:`validate_options` runs every checker and reports every problem at once, so nothing is
half-saved. A blank value restores the option's default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from service.errors import ApiError
from service.host_aliases import check_host_aliases
from service.sites import DEFAULT_FIELD_WEIGHTS, DEFAULT_SITE_SETTINGS, FIELD_NAMES, Site

WEBSITE_URL_MAX = 2000
DISCLAIMER_MAX = 1000
MAX_FIELD_WEIGHT = 10.0
MAX_DIGEST_ITEMS = 20
MAX_REVIEWED_MONTHS = 240
TRUE_WORDS = {"true", "yes", "on", "1", "y"}
FALSE_WORDS = {"false", "no", "off", "0", "n"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"Enter {what}.")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"Enter {what}.") from None
    else:
        raise ValueError(f"Enter {what}.")
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"Enter {what}.")
    return number


def _whole(value: Any, what: str) -> int:
    number = _number(value, what)
    if number != int(number):
        raise ValueError(f"Enter {what}.")
    return int(number)


def check_flag(value: Any) -> bool:
    """On or off: JSON true/false, or yes/no, on/off, true/false, 1/0 as text (blank is off)."""
    if isinstance(value, bool):
        return value
    if _blank(value):
        return False
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise ValueError("Choose yes or no.")


def check_score(value: Any) -> float:
    """A similarity score from 0 to 1."""
    number = _number(value, "a number from 0 to 1, e.g. 0.05")
    if not 0 <= number <= 1:
        raise ValueError("Enter a number from 0 to 1, e.g. 0.05.")
    return round(number, 4)


def check_related_min_score(value: Any) -> float:
    return float(DEFAULT_SITE_SETTINGS["related_min_score"]) if _blank(value) else check_score(value)


def check_digest_min_score(value: Any) -> float:
    return float(DEFAULT_SITE_SETTINGS["digest_min_score"]) if _blank(value) else check_score(value)


def check_related_diversity(value: Any) -> float | None:
    """Blank (or "off") for pure similarity order, else a balance from 0.1 to 1."""
    if _blank(value) or (isinstance(value, str) and value.strip().lower() in ("off", "none", "null")):
        return None
    number = _number(value, "a number from 0.1 to 1, e.g. 0.8, or leave it empty")
    if not 0.1 <= number <= 1:
        raise ValueError("Enter a number from 0.1 to 1, e.g. 0.8, or leave it empty.")
    return round(number, 3)


def check_reviewed_within_months(value: Any) -> int | None:
    """Blank for no limit, else a whole number of months."""
    if _blank(value) or (isinstance(value, str) and value.strip().lower() in ("off", "none", "null")):
        return None
    what = f"a whole number of months from 1 to {MAX_REVIEWED_MONTHS}, or leave it empty"
    months = _whole(value, what)
    if not 1 <= months <= MAX_REVIEWED_MONTHS:
        raise ValueError(f"Enter {what}.")
    return months


def check_digest_max_items(value: Any) -> int:
    if _blank(value):
        return int(DEFAULT_SITE_SETTINGS["digest_max_items"])
    what = f"a whole number from 1 to {MAX_DIGEST_ITEMS}"
    items = _whole(value, what)
    if not 1 <= items <= MAX_DIGEST_ITEMS:
        raise ValueError(f"Enter {what}.")
    return items


def check_mailto(value: Any) -> str:
    """An email address a person reads, or "" for none."""
    return check_email_address(value.strip().removeprefix("mailto:") if isinstance(value, str) else value)


def check_email_address(value: Any, example: str = "unsubscribe@yourclinic.example") -> str:
    """One plain email address (no display name), or "" for none."""
    if _blank(value):
        return ""
    if not isinstance(value, str):
        raise ValueError(f"Enter an email address, e.g. {example}.")
    text = value.strip()
    name, address = parseaddr(text)
    if (
        name
        or address != text
        or len(text) > 320
        or text.count("@") != 1
        or any(ch.isspace() or ch in "<>\"'\\,;?" for ch in text)
    ):
        raise ValueError(f"Enter an email address, e.g. {example}.")
    local, _, domain = text.partition("@")
    if not local or "." not in domain or domain.startswith(".") or domain.endswith("."):
        raise ValueError(f"Enter an email address, e.g. {example}.")
    return text


def check_field_weights(value: Any) -> dict[str, float]:
    """How much each part of an article counts when articles are compared (blank: the defaults).

    Title, summary and body multiply word counts, so each is 0 (left out) or from 1 to 10; tags and
    categories are shares from 0 to 10. At least one must count.
    """
    if _blank(value):
        return dict(DEFAULT_FIELD_WEIGHTS)
    if not isinstance(value, Mapping):
        raise ValueError("Give a weight for each of title, summary, body, tags and categories.")
    unknown = sorted(set(value) - set(FIELD_NAMES))
    if unknown:
        raise ValueError(f"Only title, summary, body, tags and categories have weights (not {', '.join(unknown)}).")
    weights = dict(DEFAULT_FIELD_WEIGHTS)
    for field in FIELD_NAMES:
        if field not in value:
            continue
        raw = value[field]
        if _blank(raw):
            continue
        what = f"a number from 0 to {MAX_FIELD_WEIGHT:g} for {field}"
        number = _number(raw, what)
        if not 0 <= number <= MAX_FIELD_WEIGHT:
            raise ValueError(f"Enter {what}.")
        if field in ("title", "summary", "body") and 0 < number < 1:
            raise ValueError(f"The {field} weight is 0 (left out) or at least 1: it multiplies word counts.")
        weights[field] = round(number, 3)
    if not any(weights[f] > 0 for f in ("title", "summary", "body")):
        raise ValueError("At least one of title, summary or body must count (more than 0).")
    return weights


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
    """An IANA time zone name known here (the zone of sign-ups whose browser sent none); blank is UTC."""
    if _blank(value):
        return "UTC"
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


@dataclass(frozen=True)
class Option:
    """One editable per-site option: its checker, a label and the help text shown beside it."""

    check: Callable[[Any], Any]
    label: str
    help: str
    #: "recompute": every related list is recomputed; "refit": the index is refitted first; "": neither
    lists: str = ""


#: the options editors may set, in the order the settings page shows them
OPTIONS: dict[str, Option] = {
    "related_fallback": Option(
        check_flag,
        "When an article has no related links, show the latest articles instead",
        "Newest articles of the same category, then the newest overall, fill a list that would be empty.",
        "recompute",
    ),
    "related_min_score": Option(
        check_related_min_score,
        "Lowest similarity shown",
        "From 0 to 1 (default 0.05). Links scoring less are left out; higher means fewer, closer links.",
        "recompute",
    ),
    "related_diversity": Option(
        check_related_diversity,
        "Variety of related links",
        "Empty: the most similar first (default). 0.1 to 1: lower values mix in more varied articles"
        " (0.8 is a gentle mix).",
        "recompute",
    ),
    "related_reviewed_within_months": Option(
        check_reviewed_within_months,
        "Only link articles medically reviewed within (months)",
        "Empty: no limit (default). Articles reviewed longer ago, or never, are left out of related lists.",
        "recompute",
    ),
    "field_weights": Option(
        check_field_weights,
        "How much each part of an article counts",
        "Title, summary and body: 0 (left out) or 1 to 10, multiplying their words (defaults 2, 1, 1). Tags and"
        " categories: 0 to 10, their share beside the text (defaults 0.2 and 0.1). Changing them rebuilds the"
        " index.",
        "refit",
    ),
    "click_counting": Option(check_flag, "Count clicks on related links", "Counts are kept per link, without cookies."),
    "digest_max_items": Option(
        check_digest_max_items, "Articles per digest", f"At most this many (1 to {MAX_DIGEST_ITEMS}, default 5)."
    ),
    "digest_min_score": Option(
        check_digest_min_score,
        "Lowest match for a digest article",
        "From 0 to 1 (default 0.05). Articles matching a reader's topics less are not sent.",
    ),
    "digest_send_newest_anyway": Option(
        check_flag,
        "Send the newest articles when nothing matches a reader's topics",
        "Off (default): a reader with no match gets no digest that period.",
    ),
    "overwrite_editor_edits": Option(
        check_flag,
        "Feeds overwrite articles edited here",
        "Off (default): an article an editor changed keeps the editor's version when its feed changes.",
    ),
    "store_consent_ip": Option(
        check_flag,
        "Keep the sign-up's IP address with the consent record",
        "Off (default): only the time, the form and the wording agreed to are kept.",
    ),
    "unsubscribe_mailto": Option(
        check_mailto,
        "Unsubscribe by email address",
        "Optional. Added to every email's List-Unsubscribe header beside the link; a person must read it.",
    ),
    "website_url": Option(
        check_website_url,
        "Your clinic's website",
        "The header and logo of every email link here, e.g. https://www.yourclinic.example.",
    ),
    "medical_disclaimer": Option(
        check_medical_disclaimer,
        "Medical disclaimer",
        "Printed at the foot of every digest. Leave empty for the standard wording.",
    ),
    "privacy_url": Option(check_website_url, "Privacy notice URL", "Linked from the newsletter sign-up form."),
    "default_time_zone": Option(
        check_default_time_zone,
        "The clinic's time zone",
        "Times on these pages are shown in it, and sign-ups whose browser does not tell us theirs get it,"
        " e.g. America/Chicago.",
    ),
}

#: options set on the Widget page rather than the settings page
WIDGET_CHECKS: dict[str, Callable[[Any], Any]] = {
    "host_aliases": check_host_aliases,
    "widget_limit": check_widget_limit,
}

#: the help text of the widget's options
WIDGET_HELP: dict[str, str] = {
    "host_aliases": 'Alias host to canonical host, e.g. {"staging.clinic.example": "www.clinic.example"}: widget'
    " pages on an alias host find the articles imported with the canonical host.",
    "widget_limit": "Links a widget shows when the page does not say (1 to 20, default 4); the related pages draw"
    " their cut-off line there.",
}

CHECKS: dict[str, Callable[[Any], Any]] = {name: option.check for name, option in OPTIONS.items()} | WIDGET_CHECKS


def option_help() -> dict[str, str]:
    """One sentence of help for every option :data:`CHECKS` accepts."""
    return {name: option.help for name, option in OPTIONS.items()} | WIDGET_HELP


def validate_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The checked values of ``values`` (only names in :data:`OPTIONS`); a 422 naming every bad field."""
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


def apply_options(site: Site, clean: Mapping[str, Any]) -> set[str]:
    """Store checked values in ``site.settings`` (a new dict, so the JSON column sees the change); returns
    the names whose value changed."""
    settings: dict[str, Any] = dict(site.settings or {})
    changed = {name for name, value in clean.items() if site.setting(name) != value}
    settings.update(clean)
    site.settings = settings
    return changed


def options_view(site: Site) -> dict[str, Any]:
    """The current value of every editable option (defaults filled in)."""
    return {name: site.setting(name) for name in CHECKS}
