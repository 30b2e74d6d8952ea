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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from flask import Flask
from werkzeug.http import parse_etags

from articles.widget.api import CACHE_CONTROL, json_renderer, rendered
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
    expires: float


def _headers(entry: Entry, environ: dict[str, Any]) -> list[tuple[str, str]]:
    headers = [("ETag", f'"{entry.etag}"'), ("Cache-Control", CACHE_CONTROL), ("Vary", "Origin")]
    origin = environ.get("HTTP_ORIGIN")
    if origin and origin.rstrip("/").lower() in entry.allowed_origins:
        headers.append(("Access-Control-Allow-Origin", origin))
    return headers


class MicroCache:
    """Answers kept for a second or two per process: a burst of page views costs one database read.

    Browsers and CDNs may keep these answers for minutes anyway (Cache-Control), so a list changed
    by an editor shows up here at most ``WIDGET_MICROCACHE_SECONDS`` later; 0 turns it off.
    """

    def __init__(self, size: int = 4096):
        self.size = size
        self._data: dict[tuple[str, str], Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], now: float) -> Entry | None:
        entry = self._data.get(key)
        return entry if entry is not None and entry.expires > now else None

    def put(self, key: tuple[str, str], entry: Entry) -> None:
        with self._lock:
            if len(self._data) >= self.size:
                self._data.clear()
            self._data[key] = entry


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

    def _entry(self, environ: dict[str, Any], match: re.Match[str]) -> Entry | None:
        ttl = float(self.app.config["WIDGET_MICROCACHE_SECONDS"])
        key = (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        now = time.monotonic()
        entry = self.micro.get(key, now) if ttl > 0 else None
        if ttl > 0:
            labelled(WIDGET_CACHE, "micro", "miss" if entry is None else "hit").inc()
        if entry is None:
            entry = self._read(environ, match, now + ttl)
            if entry is not None and ttl > 0:
                self.micro.put(key, entry)
        return entry

    def _read(self, environ: dict[str, Any], match: re.Match[str], expires: float) -> Entry | None:
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
        return Entry(etag, body, frozenset(source.allowed_origins), expires)


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
