"""Parse fetched feed bytes into a :class:`ParsedFeed`.

RSS 0.9x/1.0 (RDF)/2.0, Atom 0.3/1.0 and CDF go through feedparser, which is
always handed the bytes wrapped in a ``BytesIO``: given a ``str`` it may fetch
a URL, and given ``bytes`` it first tries ``open()`` on them as a file *path*
(feedparser 6.0 ``api._open_resource``), so a body such as ``b"/etc/passwd"``
would be read from disk. JSON Feed 1.0/1.1 is read here with ``json``
(feedparser 6.0.x has no JSON Feed support).

Outcome: ``error`` set when nothing could be read (not a feed, an HTML page,
broken XML with no entries); otherwise ``entries`` holds one
:class:`ArticleDraft` or :class:`Rejected` per entry and ``warning`` carries
feedparser's complaint when the XML was faulty but entries were recovered.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from articles.feeds.safe_xml import entity_threat
from articles.html import html_to_text

from .mapping import EntryResult, Rejected, _as_text, entry_to_draft

__all__ = ["ParsedFeed", "parse_feed"]

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE | re.DOTALL)
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"


@dataclass(frozen=True)
class ParsedFeed:
    """The result of parsing one feed document.

    ``title``: the feed's own title ("" when none). ``entries``: one result
    per entry, in document order. ``warning``: the parser's complaint when the
    document was malformed but entries were still read. ``error``: why
    nothing could be read (then ``entries`` is empty).
    """

    title: str
    entries: list[EntryResult] = field(default_factory=list)
    warning: str | None = None
    error: str | None = None


def _map_all(raw_entries: list[Any], *, base_url: str, fetched_at: datetime) -> list[EntryResult]:
    results: list[EntryResult] = []
    for raw in raw_entries:
        try:
            results.append(entry_to_draft(raw, base_url=base_url, fetched_at=fetched_at))
        except Exception as exc:  # one odd entry must not lose the rest; recorded as a rejection
            guid = raw.get("id") if isinstance(raw, dict) else None
            results.append(
                Rejected(reason=f"mapping failed: {type(exc).__name__}", guid=guid if isinstance(guid, str) else None)
            )
    return results


def _looks_like_json(content: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _looks_like_html(content: bytes, content_type: str | None) -> bool:
    if _HTML_START.match(content[:4096].lstrip(b"\xef\xbb\xbf")):
        return True
    if not content_type:
        return False
    return content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")


def _struct_utc(value: Any):
    """ISO 8601 string → UTC struct_time (the shape feedparser gives)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).timetuple()
    except (ValueError, OverflowError):  # not ISO 8601, or beyond year 1..9999 once in UTC
        return None


def _json_author(obj: dict) -> str | None:
    authors = obj.get("authors")
    if isinstance(authors, list):
        for a in authors:
            if isinstance(a, dict) and isinstance(a.get("name"), str):
                return a["name"]
    author = obj.get("author")
    if isinstance(author, dict) and isinstance(author.get("name"), str):
        return author["name"]
    return None


def _json_item_to_entry(item: dict) -> dict:
    """A JSON Feed item reshaped like a feedparser entry, for ``entry_to_draft``."""
    entry: dict[str, Any] = {}
    item_id = item.get("id")
    if isinstance(item_id, (str, int)) and not isinstance(item_id, bool):
        entry["id"] = str(item_id)
    links = []
    if isinstance(item.get("url"), str):
        entry["link"] = item["url"]
    elif isinstance(item.get("external_url"), str):
        entry["link"] = item["external_url"]
    for att in item.get("attachments") or []:
        if isinstance(att, dict) and isinstance(att.get("url"), str):
            links.append({"rel": "enclosure", "href": att["url"], "type": att.get("mime_type") or ""})
    entry["links"] = links
    if isinstance(item.get("title"), str):
        entry["title"] = item["title"]
    content = []
    if isinstance(item.get("content_html"), str):
        content.append({"type": "text/html", "value": item["content_html"]})
    if isinstance(item.get("content_text"), str):
        content.append({"type": "text/plain", "value": item["content_text"]})
    entry["content"] = content
    if isinstance(item.get("summary"), str):
        entry["summary"] = item["summary"]
        entry["summary_detail"] = {"type": "text/plain"}
    author = _json_author(item)
    if author:
        entry["author"] = author
    if isinstance(item.get("image"), str):
        entry["image"] = item["image"]
    elif isinstance(item.get("banner_image"), str):
        entry["image"] = item["banner_image"]
    tags = item.get("tags")
    if isinstance(tags, list):
        entry["tags"] = [{"term": t} for t in tags if isinstance(t, str)]
    entry["published_parsed"] = _struct_utc(item.get("date_published"))
    entry["updated_parsed"] = _struct_utc(item.get("date_modified"))
    return entry


def _parse_json_feed(content: bytes, *, base_url: str, fetched_at: datetime) -> ParsedFeed | None:
    """A ParsedFeed for a JSON document, or None when it is not JSON at all."""
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    version = document.get("version") if isinstance(document, dict) else None
    items = document.get("items") if isinstance(document, dict) else None
    if not (isinstance(version, str) and version.startswith(_JSON_FEED_VERSION)) and not isinstance(items, list):
        return ParsedFeed(title="", error="not a feed: got a JSON document that is not a JSON Feed")
    title = html_to_text(document.get("title") if isinstance(document.get("title"), str) else "")
    if not isinstance(items, list):
        return ParsedFeed(title=title, error="JSON Feed has no 'items' list")
    raw_entries = [_json_item_to_entry(item) for item in items if isinstance(item, dict)]
    rejected_items = [
        Rejected(reason="JSON Feed item is not an object") for item in items if not isinstance(item, dict)
    ]
    entries = _map_all(raw_entries, base_url=base_url, fetched_at=fetched_at) + rejected_items
    return ParsedFeed(title=title, entries=entries)


def _bozo_text(result: Any) -> str:
    exc = result.get("bozo_exception")
    text = str(exc).strip() if exc is not None else ""
    return text or (type(exc).__name__ if exc is not None else "malformed feed")


def parse_feed(content: bytes, *, base_url: str, content_type: str | None, fetched_at: datetime) -> ParsedFeed:
    """Parse feed ``content`` (bytes as fetched) into a :class:`ParsedFeed`.

    ``base_url``: the URL the feed was fetched from (after redirects);
    relative links resolve against it. ``content_type``: the response's
    Content-Type header, used for the character set and JSON detection.
    ``fetched_at``: aware datetime used for entries without dates.
    Never raises for bad content: the problem is reported in ``error``.
    """
    if not isinstance(content, (bytes, bytearray)):
        raise TypeError("parse_feed takes the feed as bytes")
    if fetched_at.tzinfo is None or fetched_at.utcoffset() is None:
        raise ValueError("fetched_at must be timezone-aware")
    content = bytes(content)
    if not content.strip():
        return ParsedFeed(title="", error="not a feed: the response was empty")

    if _looks_like_json(content, content_type):
        parsed_json = _parse_json_feed(content, base_url=base_url, fetched_at=fetched_at)
        if parsed_json is not None:
            return parsed_json

    threat = entity_threat(content)
    if threat is not None:
        return ParsedFeed(title="", error=f"unsafe feed: {threat}")

    # Without a Content-Type feedparser flags the document as bozo ("no
    # Content-type specified"); application/xml lets the XML declaration /
    # BOM decide the encoding, as for a file read from disk.
    headers = {"content-location": base_url, "content-type": content_type or "application/xml"}
    try:
        # Explicit, not feedparser's module-wide defaults: relative URLs inside
        # entry HTML are made absolute, and feedparser's own sanitiser runs as
        # a first layer (the store sanitises again with nh3 when it saves).
        result = feedparser.parse(
            io.BytesIO(content), response_headers=headers, resolve_relative_uris=True, sanitize_html=True
        )
    except Exception as exc:  # feedparser bug on hostile input: report it as this feed's error
        return ParsedFeed(title="", error=f"could not parse feed: {type(exc).__name__}: {exc}")

    feed = result.get("feed")
    title = ""
    if isinstance(feed, dict) and isinstance(dict.get(feed, "title"), str):
        title = _as_text(dict.get(feed, "title"), dict.get(feed, "title_detail"))
    raw_entries = result.get("entries") or []
    bozo = bool(result.get("bozo"))
    version = result.get("version") or ""

    if not raw_entries:
        if not version and _looks_like_html(content, content_type):
            media = (content_type or "text/html").split(";")[0].strip() or "text/html"
            if media not in ("text/html", "application/xhtml+xml"):
                media = "text/html"
            return ParsedFeed(title="", error=f"not a feed: got {media} page")
        if bozo:
            return ParsedFeed(title=title, error=f"unreadable feed: {_bozo_text(result)}")
        if not version:
            return ParsedFeed(title=title, error="not a feed: no RSS, Atom or RDF document found")
        return ParsedFeed(title=title)

    entries = _map_all(raw_entries, base_url=base_url, fetched_at=fetched_at)
    return ParsedFeed(title=title, entries=entries, warning=_bozo_text(result) if bozo else None)
