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
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from flask import Flask
from werkzeug.http import parse_etags

from articles.public_api import CACHE_CONTROL, DEFAULT_LIMIT, json_renderer, rendered
from articles.public_db import Reader, read_engine
from articles.public_read import Source, find_source

PATH = re.compile(r"^/api/v1/sites/([^/]+)/(?:related|articles/([0-9]{1,18})/related)$")
Answer = tuple[str, list[tuple[str, str]], bytes]


def _args(environ: dict[str, Any]) -> tuple[str | None, int] | None:
    """(url, limit) as the Flask view reads them, or None where the view would answer 400."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    raw_limit = (query.get("limit") or [""])[0]
    if raw_limit == "":
        limit = DEFAULT_LIMIT
    elif raw_limit.isdigit() and 1 <= int(raw_limit) <= 20:
        limit = int(raw_limit)
    else:
        return None
    url = (query.get("url") or [""])[0].strip()
    return url or None, limit


def _headers(source: Source, etag: str, environ: dict[str, Any]) -> list[tuple[str, str]]:
    headers = [("ETag", f'"{etag}"'), ("Cache-Control", CACHE_CONTROL), ("Vary", "Origin")]
    origin = environ.get("HTTP_ORIGIN")
    if origin and origin.rstrip("/").lower() in source.allowed_origins:
        headers.append(("Access-Control-Allow-Origin", origin))
    return headers


class FastLane:
    """Wraps the app's ``wsgi_app``: answers the ordinary widget reads, passes everything else on."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            match = PATH.match(environ.get("PATH_INFO", ""))
            answer = self._answer(environ, match) if match else None
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: dict[str, Any], match: re.Match[str]) -> Answer | None:
        args = _args(environ)
        slug, article_id = match.group(1), match.group(2)
        if args is None or (article_id is None and args[0] is None):
            return None
        url, limit = args
        try:
            with Reader(read_engine(self.app)) as reader:
                source = find_source(reader, slug, url=url) if article_id is None else \
                    find_source(reader, slug, article_id=int(article_id))
                etag = source.etag(limit, "j")
                headers = _headers(source, etag, environ)
                if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(etag):
                    return "304 NOT MODIFIED", headers, b""
                body = rendered(reader, source, limit, "j", json_renderer(source), self.app.config)
        except Exception:  # noqa: BLE001 - not an ordinary answer: Flask's view answers (and logs) it in full
            return None
        return "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers], body


def init_app(app: Flask) -> None:
    app.wsgi_app = FastLane(app, app.wsgi_app)  # type: ignore[method-assign]
