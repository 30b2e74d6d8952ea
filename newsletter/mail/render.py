"""Render an email kind (confirm, digest, notice) to subject, preview, HTML and text.

Templates live in ``newsletter/templates/email/<kind>.html`` and ``<kind>.txt``.
Subjects and previews are fixed per kind and name only the site (and, for a digest,
its date): they never carry anything else the caller passes in (interests are health data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .branding import Branding
from .safety import check_url


@dataclass(frozen=True)
class DigestItem:
    """One article in a digest. ``reason`` is shown in the body only."""

    title: str
    url: str
    summary: str = ""
    image_url: str | None = None
    image_alt: str | None = None
    reason: str | None = None
    credit: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError("digest item title is required")
        check_url(self.url, "item url")
        if self.image_url is not None:
            check_url(self.image_url, "item image_url")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment for email (HTML autoescaped; ``.txt`` left as text)."""
    env = Environment(
        loader=PackageLoader("newsletter", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["alt_text"] = alt_text
    return env


def alt_text(value: str) -> str:
    """Alt text without angle brackets: the CSS inliner re-serialises attribute
    values with only ``&`` and ``"`` escaped, so strip ``<``/``>`` rather than leave
    markup-looking text in the HTML."""
    return " ".join(str(value).replace("<", " ").replace(">", " ").split())


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # keep_at_rules keeps the @media blocks (mobile, dark mode) in a <style> tag;
    # nothing is fetched over the network.
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def _digest(branding: Branding, ctx: Mapping[str, Any]) -> dict[str, Any]:
    raw = ctx.get("items")
    if not raw:
        raise ValueError("digest needs at least one item")
    items = [i if isinstance(i, DigestItem) else DigestItem(**dict(i)) for i in raw]
    n = len(items)
    web_url = ctx.get("web_url")
    if web_url:
        check_url(web_url, "web_url")
    return {
        "subject": digest_subject(branding.site_name, ctx.get("issue_date")),
        "web_url": web_url,
        "disclaimer": branding.disclaimer,
        "preheader": f"{n} new article{'s' if n != 1 else ''} picked for you",
        "items": items,
        "heading": ctx.get("heading") or "New reading picked for you",
        "intro": ctx.get("intro"),
    }


def long_date(day: date) -> str:
    """``29 November 2026`` (no leading zero, English month names whatever the server's locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def digest_subject(site_name: str, issue_date: object) -> str:
    """``<site> reading for 29 November 2026``; only a date (never text the caller made up) goes in."""
    if issue_date is None:
        return f"Your reading from {site_name}"
    if isinstance(issue_date, datetime) or not isinstance(issue_date, date):
        raise ValueError("issue_date must be a date")
    return f"{site_name} reading for {long_date(issue_date)}"


def _welcome(branding: Branding, ctx: Mapping[str, Any]) -> dict[str, Any]:
    schedule = ctx.get("schedule")
    if not schedule or not isinstance(schedule, str):
        raise ValueError("welcome needs schedule (a sentence saying when digests come)")
    topics = [str(t) for t in ctx.get("topics") or []]
    return {
        "subject": f"Welcome to reading from {branding.site_name}",
        "preheader": "What you will receive from us, and when.",
        "schedule": schedule,
        "first_digest": ctx.get("first_digest"),
        "topics": topics,
        "interest_text": ctx.get("interest_text") or None,
        "disclaimer": branding.disclaimer,
    }


def _confirm(branding: Branding, ctx: Mapping[str, Any]) -> dict[str, Any]:
    confirm_url = ctx.get("confirm_url")
    if not confirm_url:
        raise ValueError("confirm needs confirm_url")
    check_url(confirm_url, "confirm_url")
    return {
        "subject": f"Please confirm your subscription to {branding.site_name}",
        "preheader": "One click to confirm your email address.",
        "confirm_url": confirm_url,
    }


def _notice(branding: Branding, ctx: Mapping[str, Any]) -> dict[str, Any]:
    heading = ctx.get("heading")
    if not heading:
        raise ValueError("notice needs heading")
    paragraphs = ctx.get("paragraphs") or []
    if isinstance(paragraphs, str):
        paragraphs = [paragraphs]
    action_url = ctx.get("action_url")
    if action_url:
        check_url(action_url, "action_url")
    return {
        "subject": f"A message from {branding.site_name}",
        "preheader": f"A message from {branding.site_name}",
        "heading": heading,
        "paragraphs": list(paragraphs),
        "action_url": action_url,
        "action_label": ctx.get("action_label") or "Open",
    }


KINDS: dict[str, Callable[[Branding, Mapping[str, Any]], dict[str, Any]]] = {
    "confirm": _confirm,
    "digest": _digest,
    "notice": _notice,
    "welcome": _welcome,
}


def render(kind: str, branding: Branding, context: Mapping[str, Any], unsubscribe_url: str) -> RenderedEmail:
    """Render ``kind``. ``context`` needs ``preferences_url`` plus the kind's keys:

    - confirm: ``confirm_url``
    - digest: ``items`` (``DigestItem`` or dicts with its fields); optional ``heading``, ``intro``,
      ``issue_date`` (a ``date``, put in the subject) and ``web_url`` (the "view in your browser" page)
    - welcome: ``schedule`` (when digests come, a sentence); optional ``first_digest`` (when the first
      comes, text), ``topics`` (names) and ``interest_text``
    - notice: ``heading``; optional ``paragraphs`` (list of str), ``action_url``, ``action_label``

    Optional for all: ``credit`` (defaults to ``branding.credit``).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}; expected one of {sorted(KINDS)}")
    preferences_url = context.get("preferences_url")
    if not preferences_url:
        raise ValueError("context needs preferences_url")
    check_url(preferences_url, "preferences_url")
    check_url(unsubscribe_url, "unsubscribe_url")
    values = KINDS[kind](branding, context)
    values.setdefault("web_url", None)
    values.setdefault("disclaimer", None)
    values.update(
        branding=branding,
        preferences_url=preferences_url,
        unsubscribe_url=unsubscribe_url,
        credit=context.get("credit") or branding.credit,
        postal_lines=[ln.strip() for ln in branding.postal_address.splitlines() if ln.strip()],
    )
    env = environment()
    html = env.get_template(f"email/{kind}.html").render(values)
    text = env.get_template(f"email/{kind}.txt").render(values)
    return RenderedEmail(
        subject=values["subject"],
        preheader=values["preheader"],
        html=_inliner().inline(html),
        text=_tidy_text(text),
    )


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue  # collapse runs of blank lines
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


__all__ = ["DigestItem", "KINDS", "RenderedEmail", "digest_subject", "environment", "long_date", "render"]
