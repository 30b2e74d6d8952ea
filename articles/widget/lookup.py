"""The public read path of related lists: find a published article by page address or id, return its list.

This is the hot path of every widget view: ONE indexed query (site slug + url_key, or site slug + id) of
plain columns, compiled once per dialect and run on the raw DB-API cursor (see ``public_db``). The same
query brings the stored items, unless this process already rendered that list version, in which case the
answer comes from a small per-process cache. Cache keys carry the list's version, read from the database on
every request, so a worker never serves a list that another worker has since replaced.

The stored items come as JSON text and are parsed one at a time, as the answer takes them: a page shows four
of the twenty, and parsing all twenty cost more than anything else the read does in Python.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, bindparam, case, cast, null, select

from articles.models import Article
from articles.related.models import RelatedList
from articles.urls import InvalidUrl, canonicalize_url, url_key
from articles.widget.raw_reads import Reader, json_value
from service.errors import ApiError
from service.host_aliases import resolve_key
from service.sites import DEFAULT_SITE_SETTINGS, Site

#: bump when the public answer's shape changes, so cached copies (ETags) are refreshed.
REPRESENTATION = "1"
MAX_ID = 2**31 - 1  # an INTEGER column: larger ids cannot exist (and PostgreSQL would refuse to compare)
CACHE_BYTES = 16 * 1024 * 1024  # per worker process

#: the stored items come along in the same round trip (as JSON text) unless this process already rendered that
#: version
_ITEMS_UNLESS_KNOWN = cast(case((RelatedList.version == bindparam("known"), null()), else_=RelatedList.items), Text)
_SOURCE = (
    select(
        Site.id.label("site_id"),
        Site.allowed_origins,
        Site.settings,
        Article.id,
        Article.title,
        Article.canonical_url,
        Article.status,
        RelatedList.version,
        _ITEMS_UNLESS_KNOWN,
    )
    .select_from(Article)
    .join(Site, Site.id == Article.site_id)
    .outerjoin(RelatedList, RelatedList.article_id == Article.id)
)
#: several canonical URLs can share a key (http vs https); at most a handful, the best is picked in Python.
_BY_KEY = _SOURCE.where(Site.slug == bindparam("slug"), Article.url_key == bindparam("key")).limit(8)
_BY_ID = _SOURCE.where(Site.slug == bindparam("slug"), Article.id == bindparam("article_id"))
_SITE = select(Site.id, Site.allowed_origins, Site.settings).where(Site.slug == bindparam("slug"))
_ITEMS = select(RelatedList.items).where(RelatedList.article_id == bindparam("article_id"))


class NotServed(ApiError):
    """404 for an unknown site or article; ``origins`` lets the answer carry CORS headers for a known site."""

    def __init__(self, code: str, message: str, origins: tuple[str, ...] = ()):
        super().__init__(404, code, message)
        self.origins = origins


@dataclass(frozen=True)
class Source:
    """A published article whose related list is asked for, and what the answer needs of its site."""

    site_id: int
    allowed_origins: tuple[str, ...]
    click_counting: bool
    id: int
    title: str
    url: str
    version: str | None
    #: how many links the site's widget shows when the page does not say (site option ``widget_limit``)
    default_limit: int = field(default=int(DEFAULT_SITE_SETTINGS["widget_limit"]), compare=False)
    #: how it was asked for, and its stored items as JSON text (None: not fetched, this process knew the version)
    lookup: tuple[Any, ...] = field(default=(), compare=False)
    items: str | None = field(default=None, compare=False, repr=False)

    def etag(self, limit: int, kind: str) -> str:
        """An (unquoted) entity tag that changes with the list's version, the limit, the representation
        (``kind``: json or html, click counting on or off) and the article's own title and URL."""
        own = zlib.crc32(f"{self.title}\n{self.url}".encode())
        return f"{self.version or 'none'}-{limit}{kind}{int(self.click_counting)}-{own:08x}-{REPRESENTATION}"


@functools.lru_cache(maxsize=8192)
def page_key(url: str) -> str:
    """The lookup key of a page address (memoised: pages ask again and again); 400 when it is not http(s)."""
    try:
        return url_key(url)
    except InvalidUrl as exc:
        raise ApiError(
            400,
            "invalid_parameter",
            f"'url' must be the page's absolute http(s) address: {exc}.",
            {"url": "not an absolute http(s) URL"},
        ) from None


def _origins(value: Any) -> tuple[str, ...]:
    return tuple(value or ())


def site_origins(reader: Reader, slug: str) -> tuple[str, ...]:
    """The site's allowed browser origins (none for an unknown site)."""
    rows = reader.rows(_SITE, slug=slug)
    return _origins(json_value(rows[0][1])) if rows else ()


def _not_found(reader: Reader, slug: str, what: str) -> NotServed:
    rows = reader.rows(_SITE, slug=slug)
    if not rows:
        return NotServed("unknown_site", f"No site {slug!r}.")
    return NotServed("unknown_article", f"No published article {what} on this site.", _origins(json_value(rows[0][1])))


def _canonical_or_none(url: str | None) -> str | None:
    try:
        return canonicalize_url(url) if url else None
    except InvalidUrl:
        return None


def _rows_on_canonical_host(reader: Reader, slug: str, lookup: tuple[Any, ...]) -> list[Any]:
    """The rows at the page's address on its canonical host when the page is on one of the site's host aliases.

    Only asked when the address itself found no published article, so the ordinary read stays one query.
    """
    site = reader.rows(_SITE, slug=slug)
    aliases = (json_value(site[0][2]) or {}).get("host_aliases") if site else None
    key = resolve_key(lookup[1], aliases) if isinstance(aliases, dict) and aliases else None
    if key is None:
        return []
    return reader.rows(_BY_KEY, slug=slug, key=key, known=known_versions.get(lookup))


def _widget_limit(value: Any) -> int:
    return value if type(value) is int and 1 <= value <= 20 else int(DEFAULT_SITE_SETTINGS["widget_limit"])


def _pick(rows: list[Any], canonical: str | None) -> Any:
    """The published row, preferring an exact canonical URL match; else any row (reported as not served)."""
    return min(rows, key=lambda r: (r[6] != "published", r[5] != canonical, r[3]))


def find_source(reader: Reader, slug: str, *, url: str | None = None, article_id: int | None = None) -> Source:
    """The published article of site ``slug`` at page address ``url`` (any spelling) or with ``article_id``.

    Drafts and retired articles are not served: their lists 404 like unknown articles.
    """
    if url is not None:
        lookup: tuple[Any, ...] = (slug, page_key(url))
        rows = reader.rows(_BY_KEY, slug=slug, key=lookup[1], known=known_versions.get(lookup))
        if not any(r[6] == "published" for r in rows):
            rows = _rows_on_canonical_host(reader, slug, lookup) or rows
        what = "at this address"
    elif not 0 < (article_id or 0) <= MAX_ID:
        raise _not_found(reader, slug, f"with id {article_id}")
    else:
        lookup = (slug, article_id)
        rows = reader.rows(_BY_ID, slug=slug, article_id=article_id, known=known_versions.get(lookup))
        what = f"with id {article_id}"
    row = _pick(rows, _canonical_or_none(url) if len(rows) > 1 else None) if rows else None
    if row is None or row[6] != "published":
        raise _not_found(reader, slug, what)
    site_id, origins, settings, source_id, title, canonical, _status, version, items = row
    settings = json_value(settings) or {}
    return Source(
        site_id=site_id,
        allowed_origins=_origins(json_value(origins)),
        click_counting=bool(settings.get("click_counting", DEFAULT_SITE_SETTINGS["click_counting"])),
        id=source_id,
        title=title,
        url=canonical,
        version=version,
        default_limit=_widget_limit(settings.get("widget_limit")),
        lookup=lookup,
        items=items,
    )


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]+")


def _after_space(text: str, position: int) -> int:
    """``position`` moved past any JSON whitespace."""
    space = _SPACE.match(text, position)
    return space.end() if space is not None else position


def json_array_items(text: str) -> Iterator[Any]:
    """The elements of the JSON array ``text``, each parsed only when it is asked for (``json.loads`` values)."""
    position = _after_space(text, 0)
    if not text.startswith("[", position):
        yield from json.loads(text) or ()
        return
    position = _after_space(text, position + 1)
    if text.startswith("]", position):
        return
    while True:
        item, position = _DECODER.raw_decode(text, position)
        yield item
        position = _after_space(text, position)
        if text.startswith("]", position):
            return
        if not text.startswith(",", position):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
        position = _after_space(text, position + 1)


def _items_of(value: Any) -> Iterable[dict[str, Any]]:
    """Stored items as a driver returns them: JSON text (parsed lazily) or already parsed."""
    if isinstance(value, bytes):
        value = value.decode()
    return json_array_items(value) if isinstance(value, str) else value or ()


def stored_items(reader: Reader, source: Source) -> Iterable[dict[str, Any]]:
    """The article's stored related items (up to 20): as fetched with the article, else one more query."""
    if source.items is not None or source.version is None:
        return _items_of(source.items)
    rows = reader.rows(_ITEMS, article_id=source.id)
    return _items_of(rows[0][0]) if rows else ()


class BodyCache:
    """A per-process LRU of rendered answers, bounded in bytes; thread-safe.

    Keys include the list's version (read from the database on every request) and everything else the
    answer depends on, so an entry can be stale only in the sense of never being asked for again.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._data: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            body = self._data.get(key)
            if body is not None:
                self._data.move_to_end(key)
            return body

    def put(self, key: tuple[Any, ...], body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._data.pop(key, None)
            self._bytes += len(body) - (len(old) if old is not None else 0)
            self._data[key] = body
            while self._bytes > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0


class KnownVersions:
    """Which list version this process last rendered for a lookup (site, page key or id); bounded, thread-safe."""

    def __init__(self, size: int):
        self.size = size
        self._data: dict[tuple[Any, ...], str] = {}
        self._lock = threading.Lock()

    def get(self, lookup: tuple[Any, ...]) -> str:
        return self._data.get(lookup, "")

    def remember(self, lookup: tuple[Any, ...], version: str | None) -> None:
        with self._lock:
            if len(self._data) >= self.size:
                self._data.clear()
            if version:
                self._data[lookup] = version


body_cache = BodyCache(CACHE_BYTES)
known_versions = KnownVersions(65536)


def _http_url(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def public_items(
    items: Iterable[dict[str, Any]], limit: int, link: Callable[[dict[str, Any]], str] | None = None
) -> list[dict[str, Any]]:
    """The first ``limit`` stored items shaped as the public API answers them.

    ``link`` rewrites each item's address (click counting); items without an http(s) address are dropped.
    """
    answer = []
    for item in items:
        url = _http_url(item.get("url"))
        if url is None:
            continue
        answer.append(
            {
                "id": item.get("id"),
                "title": item.get("title") or "",
                "url": link(item) if link else url,
                "summary": item.get("summary") or "",
                "image": _http_url(item.get("image_url")),
                "published_at": item.get("published_at"),
                "category": item.get("category"),
                "score": item.get("score"),
                "why": item.get("why") or [],
            }
        )
        if len(answer) == limit:
            break
    return answer
