"""Validating what people send: sign-up forms and preference changes.

Every problem is collected per field and raised once as a 422 :class:`ApiError`,
so a form can show all of them together.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email

from newsletter.models import FREQUENCIES, WEEKDAYS
from service.errors import ApiError

MAX_INTEREST_TEXT = 200
MAX_TOPICS = 50
SIGNUP_FIELDS = {"email", "topics", "interest_text", "frequency", "weekday", "hour", "time_zone", "source"}
PREFERENCE_FIELDS = {
    "topics",
    "interest_text",
    "frequency",
    "weekday",
    "hour",
    "time_zone",
    "paused",
    "reading_history",
}


@dataclass
class Preferences:
    """What a subscriber chooses about their digest."""

    topics: list[str] = field(default_factory=list)
    interest_text: str | None = None
    frequency: str = "weekly"
    weekday: int = 0
    hour: int = 8
    time_zone: str = "UTC"
    paused: bool = False
    #: count this reader's digest clicks and let them shape their next digests (opt-in)
    reading_history: bool = False


@dataclass
class Signup:
    email: str
    preferences: Preferences
    source: str = "form"
    #: the consent wording the person was shown (stored with the consent record)
    consent_text: str | None = None


class InvalidEmail(ValueError):
    pass


def normalise_email(raw: Any) -> str:
    """The address as email-validator normalises it (no DNS), lower-cased; raises :class:`InvalidEmail`."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidEmail("Enter your email address.")
    if len(raw) > 320:
        raise InvalidEmail("This email address is too long.")
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from None
    return result.normalized.lower()


def email_hash(normalised: str) -> str:
    """SHA-256 (hex) of a normalised address: what suppressions and links store instead of it."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _topics(raw: Any, allowed: Iterable[str], errors: dict[str, str], ids: Mapping[int, str]) -> list[str]:
    """Topic names from names (any case) or reader-topic ids (numbers or digit strings)."""
    if raw in (None, ""):
        return []
    values = [raw] if isinstance(raw, str | int) and not isinstance(raw, bool) else raw
    if not isinstance(values, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        errors["topics"] = "Topics must be a list of topic names or ids."
        return []
    by_key = {name.casefold(): name for name in allowed}
    chosen, unknown = [], []
    for value in values:
        text = str(value).strip()
        name = by_key.get(text.casefold())
        if name is None and text.isdigit():
            name = ids.get(int(text))
        if name is None:
            unknown.append(value)
        elif name not in chosen:
            chosen.append(name)
    if unknown:
        errors["topics"] = "Choose topics from this clinic's list."
    elif len(chosen) > MAX_TOPICS:
        errors["topics"] = f"Choose at most {MAX_TOPICS} topics."
    return sorted(chosen, key=str.casefold)


def _interest_text(raw: Any, errors: dict[str, str]) -> str | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        errors["interest_text"] = "Must be text."
        return None
    text = " ".join("".join(ch for ch in raw if unicodedata.category(ch)[0] != "C" or ch in " \t\n").split())
    if len(text) > MAX_INTEREST_TEXT:
        errors["interest_text"] = f"Use at most {MAX_INTEREST_TEXT} characters."
        return None
    return text or None


def _int_in(raw: Any, name: str, low: int, high: int, errors: dict[str, str], names: tuple[str, ...] = ()) -> int:
    if isinstance(raw, str) and raw.strip().lower() in names:
        return names.index(raw.strip().lower())
    try:
        value = int(raw) if not isinstance(raw, bool) and not isinstance(raw, float) else low - 1
    except (TypeError, ValueError):
        value = low - 1
    if not low <= value <= high:
        errors[name] = f"Must be a whole number from {low} to {high}" + (" or a day name." if names else ".")
        return low
    return value


def _bool(raw: Any, name: str, errors: dict[str, str]) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw in (None, "", "0", "false", "off", "no"):
        return False
    if raw in ("1", "true", "on", "yes"):
        return True
    errors[name] = "Must be true or false."
    return False


def parse_preferences(
    data: Mapping[str, Any],
    allowed_topics: Iterable[str],
    errors: dict[str, str],
    base: Preferences | None = None,
    topic_ids: Mapping[int, str] | None = None,
) -> Preferences:
    """Preferences from ``data``; a missing field keeps its value in ``base`` (or the default).
    ``topic_ids`` maps reader-topic ids to names, so a topic may be chosen by id as well as by name."""
    prefs = Preferences(**vars(base)) if base else Preferences()
    if "topics" in data:
        prefs.topics = _topics(data["topics"], allowed_topics, errors, topic_ids or {})
    if "interest_text" in data:
        prefs.interest_text = _interest_text(data["interest_text"], errors)
    if data.get("frequency") not in (None, ""):
        if data["frequency"] in FREQUENCIES:
            prefs.frequency = data["frequency"]
        else:
            errors["frequency"] = f"Choose one of: {', '.join(FREQUENCIES)}."
    if data.get("weekday") not in (None, ""):
        prefs.weekday = _int_in(data["weekday"], "weekday", 0, 6, errors, WEEKDAYS)
    if data.get("hour") not in (None, ""):
        prefs.hour = _int_in(data["hour"], "hour", 0, 23, errors)
    if data.get("time_zone") not in (None, ""):
        if isinstance(data["time_zone"], str) and data["time_zone"] in time_zones():
            prefs.time_zone = data["time_zone"]
        else:
            errors["time_zone"] = "Choose a time zone such as Europe/London or America/New_York."
    if "paused" in data:
        prefs.paused = _bool(data["paused"], "paused", errors)
    if "reading_history" in data:
        prefs.reading_history = _bool(data["reading_history"], "reading_history", errors)
    return prefs


def _refuse_unknown(data: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ApiError(422, "invalid_fields", "Some fields are not known.", {name: "unknown field" for name in unknown})


def parse_signup(
    data: Mapping[str, Any],
    allowed_topics: Iterable[str],
    strict: bool = True,
    topic_ids: Mapping[int, str] | None = None,
    default_time_zone: str = "UTC",
) -> Signup:
    """A validated sign-up; a 422 naming every bad field otherwise. ``strict`` refuses unknown fields."""
    if not isinstance(data, Mapping):
        raise ApiError(422, "invalid_body", "The body must be a JSON object.")
    if strict:
        _refuse_unknown(data, SIGNUP_FIELDS)
    errors: dict[str, str] = {}
    email = ""
    try:
        email = normalise_email(data.get("email"))
    except InvalidEmail as exc:
        errors["email"] = str(exc)
    fields = {k: v for k, v in data.items() if k != "paused"}
    if not strict and fields.get("time_zone") not in (None, "") and fields["time_zone"] not in time_zones():
        fields["time_zone"] = None  # a browser's guess that this server does not know: use the site's default
    prefs = parse_preferences(fields, allowed_topics, errors, Preferences(time_zone=default_time_zone), topic_ids)
    source = data.get("source") or "form"
    if not isinstance(source, str) or len(source) > 100:
        errors["source"] = "At most 100 characters."
    if errors:
        raise ApiError(422, "invalid_fields", "Some fields are missing or invalid.", errors)
    return Signup(email=email, preferences=prefs, source=source.strip() or "form")


def parse_preference_change(
    data: Mapping[str, Any],
    allowed_topics: Iterable[str],
    base: Preferences,
    topic_ids: Mapping[int, str] | None = None,
) -> Preferences:
    """A validated change of preferences on top of ``base``; a 422 naming every bad field otherwise."""
    errors: dict[str, str] = {}
    fields = {k: v for k, v in data.items() if k in PREFERENCE_FIELDS}
    prefs = parse_preferences(fields, allowed_topics, errors, base, topic_ids)
    if errors:
        raise ApiError(422, "invalid_fields", "Some fields are missing or invalid.", errors)
    return prefs
