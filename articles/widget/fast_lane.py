"""A WSGI fast lane for the widget's JSON reads, in front of Flask.

``GET /api/v1/sites/<site>/related`` and ``.../articles/<id>/related`` are the hot path: every page view
of every clinic. Flask's per-request machinery (request context, routing over every rule of the app,
before/after-request hooks such as CSRF and request logging) cost more than the lookup itself, so the
ordinary answers, 200 and 304, are produced here from the same functions the Flask views use. Anything
else (bad parameters, unknown site or article, HEAD, OPTIONS, a database error) is passed on untouched to
Flask, whose views give the full answer, error format and logging.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote

from flask import Flask
from werkzeug.http import parse_etags

from articles.widget.api import CACHE_CONTROL, json_renderer, rendered
from articles.widget.change_feed import ChangeFeed, Mark, change_feed
from articles.widget.lookup import find_source
from articles.widget.raw_reads import Reader, read_engine
from service.http import whole_number
from service.metrics import WIDGET_CACHE, labelled

PATH = re.compile(r"^/api/v1/sites/([^/]+)/(?:related|articles/([0-9]{1,18})/related)$")
Answer = tuple[str, list[tuple[str, str]], bytes]


def _unquote_plus(text: str) -> str:
    return unquote(text.replace("+", " ")) if "%" in text or "+" in text else text


def _first_values(query: str) -> dict[str, str]:
    """The first ``limit`` and ``url`` of a query string, decoded as ``parse_qs(..., keep_blank_values=True)`` does."""
    found: dict[str, str] = {}
    for field in query.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        name = _unquote_plus(name)
        if name in ("limit", "url") and name not in found:
            found[name] = _unquote_plus(value)
            if len(found) == 2:
                break
    return found


def _args(environ: dict[str, Any]) -> tuple[str | None, int] | None:
    """(url, limit) as the Flask view reads them (limit 0: none asked for), or None where the view answers 400."""
    query = _first_values(environ.get("QUERY_STRING", ""))
    raw_limit = query.get("limit", "")
    number = whole_number(raw_limit)
    if raw_limit == "":
        limit = 0  # the site's widget_limit
    elif number is not None and 1 <= number <= 20:
        limit = number
    else:
        return None
    url = query.get("url", "").strip()
    return url or None, limit


@dataclass(frozen=True)
class Entry:
    """An ordinary answer before the per-request parts (CORS header, 304) are decided."""

    etag: str
    body: bytes
    allowed_origins: frozenset[str]
    site_id: int
    #: kept until then in any case (``WIDGET_MICROCACHE_SECONDS`` after it was read)
    expires: float
    #: the change feed's mark taken before the read (None: not heard), and how long the mark may keep it
    mark: Mark | None = None
    held_until: float = 0.0


def _headers(entry: Entry, environ: dict[str, Any]) -> list[tuple[str, str]]:
    headers = [("ETag", f'"{entry.etag}"'), ("Cache-Control", CACHE_CONTROL), ("Vary", "Origin")]
    origin = environ.get("HTTP_ORIGIN")
    if origin and origin.rstrip("/").lower() in entry.allowed_origins:
        headers.append(("Access-Control-Allow-Origin", origin))
    return headers


class MicroCache:
    """Answers kept per process, least recently used dropped first beyond ``max_bytes`` of bodies.

    An answer is reused for ``WIDGET_MICROCACHE_SECONDS`` (a burst of page views costs one database read)
    and, on PostgreSQL with the change feed heard, for as long as nothing of its site changed, up to
    ``WIDGET_CHANGE_FEED_MAX_SECONDS``. Browsers and CDNs may keep these answers for minutes anyway
    (Cache-Control).
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._data: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Entry | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is not None:
                self._data.move_to_end(key)
            return entry

    def put(self, key: tuple[str, str], entry: Entry) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            self._bytes += len(entry.body) - (len(old.body) if old is not None else 0)
            self._data[key] = entry
            while self._bytes > self.max_bytes and self._data:
                _, dropped = self._data.popitem(last=False)
                self._bytes -= len(dropped.body)


class FastLane:
    """Wraps the app's ``wsgi_app``: answers the ordinary widget reads, passes everything else on."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.wsgi_app = wsgi_app
        self.micro = MicroCache()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            match = PATH.match(environ.get("PATH_INFO", ""))
            entry = self._entry(environ, match) if match else None
            if entry is not None:
                status, headers, body = _respond(entry, environ)
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _fresh(self, entry: Entry, feed: ChangeFeed | None, now: float) -> bool:
        if entry.expires > now:
            return True
        return (
            feed is not None
            and entry.mark is not None
            and entry.held_until > now
            and feed.unchanged_since(entry.site_id, entry.mark)
        )

    def _entry(self, environ: dict[str, Any], match: re.Match[str]) -> Entry | None:
        config = self.app.config
        ttl = float(config["WIDGET_MICROCACHE_SECONDS"])
        feed = change_feed(self.app)
        if feed is not None:
            feed.start()
        key = (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        now = time.monotonic()
        caching = ttl > 0 or feed is not None
        cached = self.micro.get(key) if caching else None
        entry = cached if cached is not None and self._fresh(cached, feed, now) else None
        if caching:
            labelled(WIDGET_CACHE, "micro", "miss" if entry is None else "hit").inc()
        if entry is None:
            mark = feed.mark() if feed is not None else None
            entry = self._read(environ, match)
            if entry is not None and (ttl > 0 or mark is not None):
                held = float(config["WIDGET_CHANGE_FEED_MAX_SECONDS"])
                entry = replace(entry, expires=now + ttl, mark=mark, held_until=now + held)
                self.micro.put(key, entry)
        return entry

    def _read(self, environ: dict[str, Any], match: re.Match[str]) -> Entry | None:
        args = _args(environ)
        slug, article_id = match.group(1), match.group(2)
        if args is None or (article_id is None and args[0] is None):
            return None
        url, limit = args
        try:
            with Reader(read_engine(self.app)) as reader:
                source = (
                    find_source(reader, slug, url=url)
                    if article_id is None
                    else find_source(reader, slug, article_id=int(article_id))
                )
                limit = limit or source.default_limit
                etag = source.etag(limit, "j")
                body = rendered(reader, source, limit, "j", json_renderer(source), self.app.config)
        except Exception:  # noqa: BLE001 - not an ordinary answer: Flask's view answers (and logs) it in full
            return None
        return Entry(etag, body, frozenset(source.allowed_origins), source.site_id, expires=0.0)


def _respond(entry: Entry, environ: dict[str, Any]) -> Answer:
    headers = _headers(entry, environ)
    if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(entry.etag):
        return "304 NOT MODIFIED", headers, b""
    return (
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(entry.body))), *headers],
        entry.body,
    )


def init_app(app: Flask) -> None:
    app.wsgi_app = FastLane(app, app.wsgi_app)  # type: ignore[method-assign]
