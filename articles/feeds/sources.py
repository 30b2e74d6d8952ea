"""A site's feed sources: add, list, change, pause, delete, and OPML import.

Feed URLs are absolute http(s), canonicalised with ``articles.urls.canonicalize_url`` and unique per site.
Hosts that are ``localhost`` or a private/loopback/link-local address are refused unless the caller allows
them (the ``FEEDS_ALLOW_PRIVATE_HOSTS`` setting): a feed URL is fetched by the server, so it must not be a way
to reach the server's own network. The host is compared in its IDNA/UTS-46 form (full-width digits and other
compatibility forms map to ASCII) and a name is resolved: one that resolves to a refused address is refused
at once. That check is for the editor's sake; the one that protects is made on every connection of every poll
(``articles.feeds.safe_connect``), since a name may resolve differently later.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from sqlalchemy import select
from sqlalchemy.orm import Session

from articles.feeds.addresses import (
    REFUSED_REASON,
    Networks,
    is_refused_host,
    normalise_host,
    parse_networks,
    refused_addresses,
)
from articles.feeds.models import FeedSource
from articles.feeds.safe_xml import UnsafeXml, parse_strict
from articles.urls import InvalidUrl, canonicalize_url
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site

INTERVAL_MIN, INTERVAL_MAX, INTERVAL_DEFAULT = 5, 1440, 30
OPML_MAX_BYTES = 1024 * 1024
OPML_MAX_OUTLINES = 1000

#: the longest wait between two polls of a failing feed
MAX_BACKOFF = timedelta(hours=24)


def next_poll_time(after: datetime, interval_minutes: int, failures: int) -> datetime:
    """When to poll next: the interval, doubled per consecutive failure, capped at 24 hours."""
    delay = timedelta(minutes=interval_minutes) * (2 ** min(failures, 20))
    return after + min(delay, MAX_BACKOFF)


class FeedIn(BaseModel):
    """A feed to add (POST /api/v1/feeds)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=1, max_length=2000)
    interval_minutes: StrictInt = Field(default=INTERVAL_DEFAULT, ge=INTERVAL_MIN, le=INTERVAL_MAX)
    title: str | None = Field(default=None, max_length=300)


class FeedPatch(BaseModel):
    """Changes to a feed (PATCH /api/v1/feeds/<id>); only the fields given change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    interval_minutes: StrictInt | None = Field(default=None, ge=INTERVAL_MIN, le=INTERVAL_MAX)
    paused: StrictBool | None = None
    title: str | None = Field(default=None, max_length=300)


def allowed_networks(config: Mapping[str, Any]) -> Networks:
    """The private networks feeds may be on all the same (``FEEDS_ALLOWED_NETWORKS``, validated at start-up)."""
    return parse_networks(str(config.get("FEEDS_ALLOWED_NETWORKS") or ""))


def check_feed_url(url: str, *, allow_private: bool, allowed_networks: Networks = (), resolve: bool = True) -> str:
    """The canonical form of a feed URL, or a ValueError saying why it cannot be used.

    ``resolve``: also look the name up and refuse it when it resolves to a refused address (one DNS lookup; OPML
    imports of up to 1,000 feeds skip it, and the connections of every poll check the addresses anyway).
    """
    try:
        canonical = canonicalize_url(url)
    except InvalidUrl as exc:
        raise ValueError(str(exc)) from None
    if allow_private:
        return canonical
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    normalise_host(host)  # a ValueError names what is wrong with the name
    if is_refused_host(host, allowed_networks):
        raise ValueError(f"refused: {REFUSED_REASON}")
    if not resolve:
        return canonical
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise ValueError(f"invalid port: {exc}") from None
    refused = refused_addresses(host, port, allowed_networks)
    if refused:
        raise ValueError(f"refused: {host} resolves to a private, loopback or link-local address ({refused[0]})")
    return canonical


def validate_feed_url(url: str, *, allow_private: bool, allowed_networks: Networks = (), resolve: bool = True) -> str:
    """``check_feed_url`` with a 422 ApiError (``fields.url``) instead of a ValueError."""
    try:
        return check_feed_url(url, allow_private=allow_private, allowed_networks=allowed_networks, resolve=resolve)
    except ValueError as exc:
        raise ApiError(422, "invalid_feed_url", f"This feed URL cannot be used: {exc}", {"url": str(exc)}) from None


def _find(db: Session, site: Site, url: str) -> FeedSource | None:
    return db.scalar(select(FeedSource).where(FeedSource.site_id == site.id, FeedSource.url == url))


def add_feed(
    db: Session,
    site: Site,
    data: FeedIn,
    *,
    allow_private: bool,
    now: datetime | None = None,
    allowed_networks: Networks = (),
    resolve: bool = True,
) -> FeedSource:
    """Add a feed, due for its first poll now; 422 for an unusable URL, 409 when the site has it already."""
    url = validate_feed_url(data.url, allow_private=allow_private, allowed_networks=allowed_networks, resolve=resolve)
    existing = _find(db, site, url)
    if existing is not None:
        raise ApiError(409, "feed_exists", f"Feed {existing.id} already has this URL.", {"url": "already added"})
    feed = FeedSource(
        site_id=site.id,
        url=url,
        title=data.title or None,
        interval_minutes=data.interval_minutes,
        paused=False,
        next_poll_at=now or utcnow(),
        consecutive_failures=0,
        last_counts={},
        created_at=utcnow(),
    )
    db.add(feed)
    db.flush()
    return feed


def list_feeds(db: Session, site: Site) -> list[FeedSource]:
    return list(db.scalars(select(FeedSource).where(FeedSource.site_id == site.id).order_by(FeedSource.id)))


def get_feed(db: Session, site: Site, feed_id: int) -> FeedSource:
    """The site's feed; 404 when there is none, 403 when it belongs to another site."""
    feed = db.get(FeedSource, feed_id)
    if feed is None:
        raise ApiError(404, "unknown_feed", f"No feed {feed_id}.")
    if feed.site_id != site.id:
        raise ApiError(403, "other_site", "This feed belongs to another site.")
    return feed


def update_feed(db: Session, site: Site, feed_id: int, patch: FeedPatch, now: datetime | None = None) -> FeedSource:
    """Change the interval, title or paused state. Resuming a paused feed makes it due at once."""
    feed = get_feed(db, site, feed_id)
    now = now or utcnow()
    given = patch.model_fields_set
    if "interval_minutes" in given and patch.interval_minutes is not None:
        feed.interval_minutes = patch.interval_minutes
        if feed.consecutive_failures == 0 and feed.last_polled_at is not None:
            feed.next_poll_at = next_poll_time(feed.last_polled_at, feed.interval_minutes, 0)
    if "title" in given:
        feed.title = patch.title or None
    if "paused" in given and patch.paused is not None and patch.paused != feed.paused:
        feed.paused = patch.paused
        if not patch.paused:
            feed.next_poll_at = now
    db.flush()
    return feed


def delete_feed(db: Session, site: Site, feed_id: int) -> None:
    """Delete the feed and its poll records; the articles it imported stay."""
    db.delete(get_feed(db, site, feed_id))
    db.flush()


# ---------------------------------------------------------------- OPML


@dataclass
class OpmlReport:
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for i in self.items if i["status"] == s) for s in ("added", "duplicate", "invalid")}


def _opml_outlines(document: bytes) -> list[ET.Element]:
    """The ``<outline>`` elements that name a feed (``xmlUrl``); 422 for anything that is not safe OPML."""
    if len(document) > OPML_MAX_BYTES:
        raise ApiError(413, "opml_too_large", f"An OPML file may be at most {OPML_MAX_BYTES // 1024} KB.")
    if not document.strip():
        raise ApiError(422, "invalid_opml", "The body is empty: send the OPML document as the request body.")
    try:
        # Entity declarations are how "billion laughs" bombs work; OPML never needs a DOCTYPE.
        root = parse_strict(document)
    except UnsafeXml:
        raise ApiError(422, "invalid_opml", "OPML with a DOCTYPE or ENTITY declaration is refused.") from None
    except (ET.ParseError, ValueError, LookupError) as exc:
        raise ApiError(422, "invalid_opml", f"The body is not well-formed XML: {exc}.") from None
    if root.tag.lower() != "opml":
        raise ApiError(422, "invalid_opml", f"Not an OPML document (root element <{root.tag}>).")
    outlines = [o for o in root.iter("outline") if _attr(o, "xmlUrl") is not None]
    if len(outlines) > OPML_MAX_OUTLINES:
        raise ApiError(422, "invalid_opml", f"At most {OPML_MAX_OUTLINES} feeds per OPML import.")
    return outlines


def _attr(element: ET.Element, name: str) -> str | None:
    """An attribute, read case-insensitively (OPML files in the wild spell ``xmlUrl`` many ways)."""
    for key, value in element.attrib.items():
        if key.lower() == name.lower():
            return value
    return None


def import_opml(
    db: Session,
    site: Site,
    document: bytes,
    *,
    allow_private: bool,
    interval_minutes: int = INTERVAL_DEFAULT,
    now: datetime | None = None,
    allowed_networks: Networks = (),
) -> OpmlReport:
    """Add every feed an OPML document lists; each outline is reported added, duplicate or invalid."""
    report = OpmlReport()
    for outline in _opml_outlines(document):
        raw = (_attr(outline, "xmlUrl") or "").strip()
        title = (_attr(outline, "title") or _attr(outline, "text") or "").strip()[:300] or None
        item: dict[str, Any] = {"url": raw, "title": title}
        try:
            url = check_feed_url(raw, allow_private=allow_private, allowed_networks=allowed_networks, resolve=False)
        except ValueError as exc:
            report.items.append({**item, "status": "invalid", "reason": str(exc)})
            continue
        existing = _find(db, site, url)
        if existing is not None:
            report.items.append({**item, "url": url, "status": "duplicate", "id": existing.id})
            continue
        feed = add_feed(
            db,
            site,
            FeedIn(url=url, title=title, interval_minutes=interval_minutes),
            allow_private=allow_private,
            now=now,
            allowed_networks=allowed_networks,
            resolve=False,
        )
        report.items.append({**item, "url": url, "status": "added", "id": feed.id})
    return report
