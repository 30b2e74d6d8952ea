"""Public, keyless read API of related lists (the widget's data), with CORS for each site's own origins.

``GET /api/v1/sites/<site>/related?url=<page address>&limit=N`` and ``GET /api/v1/sites/<site>/articles/<id>/related``
answer ``{"article": {id, title, url}, "items": [...]}``; unknown sites and unpublished articles are 404.
Answers carry an ETag (``If-None-Match`` gives 304) and may be cached for five minutes. The ordinary GET
answers (200, 304) are produced in front of Flask by ``articles.widget.fast_lane`` with the functions below; these
views answer everything else (errors, HEAD, OPTIONS) and define the behaviour the fast lane must match.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from articles.widget.clicks import make_token
from articles.widget.lookup import (
    NotServed,
    Source,
    body_cache,
    find_source,
    known_versions,
    public_items,
    site_origins,
    stored_items,
)
from articles.widget.raw_reads import Reader
from service.cors import apply_cors
from service.errors import ApiError
from service.http import int_arg
from service.metrics import WIDGET_CACHE, labelled

bp = Blueprint("public_api", __name__, url_prefix="/api/v1/sites/<slug>")

CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=3600"


def limit_arg() -> int:
    """The asked-for number of links, or 0 when none was asked for (then the site's ``widget_limit`` applies)."""
    return int_arg("limit", 0, 1, 20)


def url_arg() -> str:
    url = request.args.get("url", "").strip()
    if not url:
        raise ApiError(400, "missing_parameter", "Give the page's address as 'url'.", {"url": "required"})
    return url


def load_source(reader: Reader, slug: str, article_id: int | None = None) -> Source:
    """The requested published article; remembers its site's origins for the CORS headers, even on a 404."""
    try:
        source = (
            find_source(reader, slug, article_id=article_id)
            if article_id is not None
            else find_source(reader, slug, url=url_arg())
        )
    except NotServed as exc:
        g.cors_origins = exc.origins
        raise
    g.cors_origins = source.allowed_origins
    return source


def click_linker(source: Source, config: Mapping[str, Any]) -> Callable[[dict[str, Any]], str] | None:
    """When the site counts clicks, each item's address becomes this service's signed ``/r/<token>``."""
    if not source.click_counting:
        return None
    base = config["PUBLIC_BASE_URL"].rstrip("/")
    secret = config["SECRET_KEY"]

    def link(item: dict[str, Any]) -> str:
        to_id = item.get("id")
        if type(to_id) is not int:
            return str(item["url"])
        return f"{base}/r/{make_token(secret, source.site_id, source.id, to_id)}"

    return link


def not_modified(etag: str) -> Response | None:
    """A 304 when the client already holds this representation."""
    if not request.if_none_match.contains_weak(etag):
        return None
    response = current_app.response_class(status=304)
    return cacheable(response, etag)


def cacheable(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def preflight(slug: str) -> Response:
    with Reader() as reader:
        g.cors_origins = site_origins(reader, slug)
    return current_app.response_class(status=204)


def cache_key(kind: str, source: Source, limit: int, config: Mapping[str, Any]) -> tuple[Any, ...]:
    """Everything a rendered answer depends on (click links also on this service's address and key)."""
    links = (config["PUBLIC_BASE_URL"], config["SECRET_KEY"]) if source.click_counting else ()
    return (kind, source.site_id, source.id, source.version, limit, source.title, source.url, links)


def rendered(
    reader: Reader,
    source: Source,
    limit: int,
    kind: str,
    render: Callable[[list[dict[str, Any]]], str],
    config: Mapping[str, Any] | None = None,
) -> bytes:
    """The answer's body from the per-process cache, or rendered from the stored items (and cached)."""
    config = current_app.config if config is None else config
    key = cache_key(kind, source, limit, config)
    body = body_cache.get(key)
    labelled(WIDGET_CACHE, "rendered", "miss" if body is None else "hit").inc()
    if body is None:
        body = render(public_items(stored_items(reader, source), limit, click_linker(source, config))).encode()
        body_cache.put(key, body)
    known_versions.remember(source.lookup, source.version)
    return body


def json_renderer(source: Source) -> Callable[[list[dict[str, Any]]], str]:
    def render(items: list[dict[str, Any]]) -> str:
        body = {"article": {"id": source.id, "title": source.title, "url": source.url}, "items": items}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    return render


def _answer(reader: Reader, source: Source, limit: int) -> Response:
    limit = limit or source.default_limit
    etag = source.etag(limit, "j")
    response = not_modified(etag)
    if response is not None:
        return response

    body = rendered(reader, source, limit, "j", json_renderer(source))
    return cacheable(current_app.response_class(body, mimetype="application/json"), etag)


@bp.route("/related", methods=["GET", "OPTIONS"], provide_automatic_options=False)
def related_by_url(slug: str) -> Response:
    if request.method == "OPTIONS":
        return preflight(slug)
    limit = limit_arg()
    with Reader() as reader:
        return _answer(reader, load_source(reader, slug), limit)


@bp.route("/articles/<int:article_id>/related", methods=["GET", "OPTIONS"], provide_automatic_options=False)
def related_by_id(slug: str, article_id: int) -> Response:
    if request.method == "OPTIONS":
        return preflight(slug)
    limit = limit_arg()
    with Reader() as reader:
        return _answer(reader, load_source(reader, slug, article_id), limit)


bp.after_request(apply_cors)
