"""Map one parsed feed entry to an :class:`ArticleDraft` (or a :class:`Rejected`).

Input is a feedparser entry (a ``FeedParserDict``) or a plain dict of the
same shape (the JSON Feed reader in ``parse.py`` builds those). Every read is
defensive: feedparser's dicts vary from feed to feed, values may be missing,
``None`` or of an unexpected type, and a bad entry must never break a feed.
Keys are read with ``dict.get`` (not ``FeedParserDict``'s aliasing
``__getitem__``), which also avoids feedparser's DeprecationWarning for the
``updated`` → ``published`` fallback.

Choices, documented here because editors see their effect:

* ``url``: the original link a feed proxy kept (FeedBurner's
  ``feedburner:origLink``: its ``link`` is a ``feedproxy.google.com/~r/...``
  redirect), else the entry's link (``link``, else an ``alternate`` link, else
  an ``id`` that is itself an http(s) URL), joined onto ``base_url``; a
  ``source=rss...`` parameter (Medium's feed marker) is dropped. Anything
  that is not http(s) afterwards (``javascript:``, ``mailto:``, ``data:``,
  no link at all) is rejected. Canonicalisation is the store's job.
* ``guid``: the entry id, else the url.
* ``title``: tags stripped, entities decoded, whitespace collapsed, at most
  300 characters (cut at a word, ending with "…"). A missing title is
  derived from the first words of the summary/body (at most 80 characters):
  RSS 2.0 allows title-less items and the article is still worth having.
  Only an entry with neither title nor any text is rejected ("missing title").
* ``body_html``: the HTML of the richest content (``content`` of an HTML
  type, else any ``content``, else the summary), as the parser gives it;
  plain text is escaped into paragraphs. Tracking pixels, FeedBurner's
  feedflare, WordPress's "The post … appeared first on …" line and
  double-escaped entities are removed (``cleanup.py``); nothing else is
  sanitised here: the store sanitises with nh3 (feedparser has already run its
  own sanitiser over RSS/Atom HTML; JSON Feed HTML arrives untouched).
* ``summary``, ``title``, ``author``: plain text, double-escaped entities
  (``&amp;#8217;``) decoded; the summary without WordPress's footer line.
* ``categories``: the entry's categories (RSS ``<category>``, Atom
  ``<category term>``, JSON Feed ``tags``), the first 20 distinct ones (the
  API's limit); the ones past 20 become ``tags``. Feeds do not tell a
  platform's categories from its tags (WordPress lists both as
  ``<category>``), and categories are what related lists group by.
* ``published_at``/``updated_at``: aware UTC datetimes; a missing
  published date falls back to the updated date, then to ``fetched_at``;
  a missing updated date falls back to ``published_at``.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

from articles.html import html_to_text

from .cleanup import clean_body, clean_text, decode_double_escaped

__all__ = ["ArticleDraft", "Rejected", "EntryResult", "entry_to_draft", "TITLE_MAX"]

TITLE_MAX = 300
DERIVED_TITLE_MAX = 80
CATEGORIES_MAX = 20
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_WS = re.compile(r"\s+")
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|svg)(?:[?#].*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class ArticleDraft:
    """An article as the editors' API would receive it (before the store)."""

    url: str
    guid: str
    title: str
    summary: str | None
    body_html: str
    author: str | None
    image_url: str | None
    tags: tuple[str, ...]
    published_at: datetime
    updated_at: datetime
    categories: tuple[str, ...] = ()
    source: Literal["feed"] = "feed"


@dataclass(frozen=True)
class Rejected:
    """An entry that could not become an article, and why."""

    reason: str
    guid: str | None = None
    link: str | None = None


EntryResult = ArticleDraft | Rejected


# -- small defensive readers ------------------------------------------------
def _get(obj: Any, key: str) -> Any:
    return dict.get(obj, key) if isinstance(obj, dict) else None


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def _http_url(value: Any, base: str) -> str | None:
    """``value`` joined onto ``base`` when the result is an http(s) URL."""
    value = _str(value)
    if not value:
        return None
    try:
        joined = urljoin(base, value) if base else value
        parts = urlsplit(joined)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return joined
    return None


def _scheme_of(value: str, base: str = "") -> str:
    try:
        return urlsplit(urljoin(base, value) if base else value).scheme.lower()
    except ValueError:
        return ""


def _is_html(detail: Any, value: str) -> bool:
    kind = _str(_get(detail, "type")) or ""
    if kind:
        return kind.lower() in _HTML_TYPES
    return "<" in value


def _utc(parsed: Any) -> datetime | None:
    if not isinstance(parsed, (time.struct_time, tuple)) or len(parsed) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(x) for x in parsed[:6])
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None


# -- the parts ----------------------------------------------------------------
def _link(entry: Any, base_url: str) -> tuple[str | None, str | None]:
    """(absolute http(s) link, raw candidate) for the entry."""
    candidates: list[str] = []
    original = _str(_get(entry, "feedburner_origlink"))
    if original:
        candidates.append(original)
    link = _str(_get(entry, "link"))
    if link:
        candidates.append(link)
    for item in _list(_get(entry, "links")):
        href = _str(_get(item, "href"))
        rel = _str(_get(item, "rel")) or "alternate"
        if href and rel == "alternate":
            candidates.append(href)
    entry_id = _str(_get(entry, "id"))
    if entry_id and _scheme_of(entry_id) in ("http", "https"):
        candidates.append(entry_id)
    for candidate in candidates:
        url = _http_url(candidate, base_url)
        if url:
            return _without_feed_marker(url), candidate
    return None, (candidates[0] if candidates else None)


def _without_feed_marker(url: str) -> str:
    """``url`` without a ``source=rss...`` query parameter (Medium marks its feed links so)."""
    parts = urlsplit(url)
    if "source=rss" not in parts.query.lower():
        return url
    kept = [p for p in parts.query.split("&") if not p.lower().startswith("source=rss")]
    return urlunsplit(parts._replace(query="&".join(kept)))


def _collapse(value: str | None) -> str:
    return _WS.sub(" ", value).strip() if value else ""


def _as_text(value: str | None, detail: Any) -> str:
    """Plain text of a feedparser text construct: markup stripped only when it is markup.

    feedparser has already decoded a ``text/plain`` value ("x < y" stays as
    is; parsing it as HTML would swallow "<y ..."); HTML values are stripped.
    """
    if (_str(_get(detail, "type")) or "").lower() == "text/plain":
        return _collapse(value)
    return html_to_text(value)


def _title(entry: Any) -> str:
    raw = _str(_get(entry, "title")) or ""
    text = decode_double_escaped(_as_text(raw, _get(entry, "title_detail")), markup=False)
    return _truncate(_collapse(text), TITLE_MAX)


def _body(entry: Any) -> str:
    contents = [c for c in _list(_get(entry, "content")) if _str(_get(c, "value"))]
    chosen = next((c for c in contents if (_str(_get(c, "type")) or "").lower() in _HTML_TYPES), None)
    if chosen is None and contents:
        chosen = contents[0]
    if chosen is not None:
        value = _get(chosen, "value").strip()
        detail = chosen
    else:
        value = _str(_get(entry, "summary")) or ""
        detail = _get(entry, "summary_detail")
    if not value:
        return ""
    if _is_html(detail, value):
        return value
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _summary(entry: Any) -> str | None:
    text = _as_text(_str(_get(entry, "summary")), _get(entry, "summary_detail"))
    return clean_text(text) or None


def _author(entry: Any) -> str | None:
    for candidate in (
        _get(entry, "author"),
        _get(_get(entry, "author_detail"), "name"),
        *(_get(a, "name") for a in _list(_get(entry, "authors"))),
    ):
        text = decode_double_escaped(html_to_text(_str(candidate)), markup=False)
        if text:
            return _truncate(text, 200)
    return None


class _FirstImage(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.src: str | None = None

    def handle_starttag(self, tag, attrs):
        if self.src is None and tag == "img":
            src = dict(attrs).get("src")
            if src and src.strip():
                self.src = src.strip()


def _first_img(body_html: str) -> str | None:
    if "<img" not in body_html.lower():
        return None
    parser = _FirstImage()
    try:
        parser.feed(body_html)
    except Exception:  # lenient parser; never let an odd body break the entry
        return None
    return parser.src


def _image(entry: Any, body_html: str, base_url: str) -> str | None:
    candidates: list[Any] = []
    candidates += [_get(t, "url") for t in _list(_get(entry, "media_thumbnail"))]
    for media in _list(_get(entry, "media_content")):
        medium = (_str(_get(media, "medium")) or "").lower()
        kind = (_str(_get(media, "type")) or "").lower()
        url = _str(_get(media, "url"))
        if (
            medium == "image"
            or kind.startswith("image/")
            or (not medium and not kind and url and _IMAGE_EXT.search(url))
        ):
            candidates.append(url)
    for link in _list(_get(entry, "links")):
        if _get(link, "rel") == "enclosure" and (_str(_get(link, "type")) or "").lower().startswith("image/"):
            candidates.append(_get(link, "href"))
    image = _get(entry, "image")  # JSON Feed item image (set by parse.py)
    candidates.append(image if isinstance(image, str) else _get(image, "href"))
    candidates.append(_first_img(body_html))
    for candidate in candidates:
        url = _http_url(candidate, base_url)
        if url:
            return url
    return None


def _labels(entry: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(categories, tags): the entry's distinct categories, the first 20 as categories and the rest as tags."""
    seen: set[str] = set()
    out: list[str] = []
    for tag in _list(_get(entry, "tags")):
        raw = _str(_get(tag, "term")) or _str(_get(tag, "label"))
        text = _collapse(decode_double_escaped(raw, markup=False) if raw else None)
        if not text:
            continue
        text = _truncate(text, 100)
        key = text.casefold()
        if key not in seen:
            seen.add(key)
            out.append(text)
    return tuple(out[:CATEGORIES_MAX]), tuple(out[CATEGORIES_MAX:])


def entry_to_draft(entry: Any, *, base_url: str, fetched_at: datetime) -> EntryResult:
    """Map one feed entry to an :class:`ArticleDraft`, or :class:`Rejected` with a reason.

    ``base_url``: the feed's URL (relative links are resolved against it;
    feedparser has already applied any ``xml:base``). ``fetched_at``: an
    aware datetime, used when the entry carries no date.
    """
    if fetched_at.tzinfo is None or fetched_at.utcoffset() is None:
        raise ValueError("fetched_at must be timezone-aware")
    fetched_at = fetched_at.astimezone(UTC)

    entry_id = _str(_get(entry, "id"))
    url, raw_link = _link(entry, base_url)
    if url is None:
        if raw_link:
            scheme = _scheme_of(raw_link, base_url)
            reason = f"unsupported link scheme '{scheme}'" if scheme else "unusable link"
        else:
            reason = "missing link"
        return Rejected(reason=reason, guid=entry_id, link=raw_link)

    body_html = clean_body(_body(entry))
    summary = _summary(entry)
    title = _title(entry)
    if not title:
        text = summary or html_to_text(body_html)
        if not text:
            return Rejected(reason="missing title", guid=entry_id or url, link=url)
        title = _truncate(text, DERIVED_TITLE_MAX)

    published = _utc(_get(entry, "published_parsed"))
    updated = _utc(_get(entry, "updated_parsed"))
    published_at = published or updated or fetched_at
    updated_at = updated or published_at
    categories, tags = _labels(entry)

    return ArticleDraft(
        url=url,
        guid=entry_id or url,
        title=title,
        summary=summary,
        body_html=body_html,
        author=_author(entry),
        image_url=_image(entry, body_html, base_url),
        tags=tags,
        categories=categories,
        published_at=published_at,
        updated_at=updated_at,
    )
