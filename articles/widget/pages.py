"""The widget's pages: the embeddable script, the server-rendered HTML fragment and counted-click redirects.

- ``GET /widget.js``: the embed script (long cache; its ETag is the file's content hash; ``?v=<hash>`` URLs are
  immutable).
- ``GET /widget/<site>/related?url=...&limit=N``: "You Might Also Enjoy" as an HTML fragment for server-side
  includes and iframes. Any error answers its status with an EMPTY body, so an include renders nothing.
- ``GET /r/<token>``: counts a click on a related link (GET only, once per visitor in a short window, while the
  source is published) and redirects to the target article's own address when it is on one of the site's
  allowed origins' hosts; for any other host, a page naming it with a link (never an open redirect).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from articles.widget import clicks, leaving
from articles.widget.api import cacheable, limit_arg, load_source, not_modified, rendered
from articles.widget.raw_reads import Reader
from service import db as database
from service.cors import apply_cors
from service.errors import ApiError

log = logging.getLogger(__name__)
bp = Blueprint("widget", __name__, template_folder="templates")

SCRIPT_PATH = Path(__file__).resolve().parent / "static" / "widget.js"
SCRIPT_CACHE = "public, max-age=86400, stale-while-revalidate=604800"
SCRIPT_IMMUTABLE = "public, max-age=31536000, immutable"
HEADING = "You Might Also Enjoy"
_script: dict[str, Any] = {}


def widget_script() -> tuple[bytes, str]:
    """The script's bytes and content hash, read once per process (re-read in debug mode)."""
    if not _script or current_app.debug:
        body = SCRIPT_PATH.read_bytes()
        _script.update(body=body, version=hashlib.sha256(body).hexdigest()[:16])
    return _script["body"], _script["version"]


def embed_snippet(base_url: str, slug: str) -> Markup:
    """The two lines a clinic pastes into its article template."""
    base = base_url.rstrip("/")
    return Markup('<script src="{0}/widget.js" async></script>\n<div data-clinic-reads data-site="{1}"></div>').format(
        Markup(base), slug
    )


@bp.get("/widget.js")
def script() -> BaseResponse:
    body, version = widget_script()
    response = current_app.response_class(body, mimetype="text/javascript")
    response.set_etag(version)
    immutable = request.args.get("v") == version
    response.headers["Cache-Control"] = SCRIPT_IMMUTABLE if immutable else SCRIPT_CACHE
    return response.make_conditional(request)


def _empty_on_error(view: Callable[..., Response]) -> Callable[..., Response]:
    """A fragment that cannot be served is its status with an empty HTML body (an include shows nothing)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except ApiError as exc:
            response = current_app.response_class("", status=exc.status, mimetype="text/html")
            response.headers["X-Clinic-Reads-Error"] = exc.code
            return response

    return wrapper


@bp.get("/widget/<slug>/related")
@_empty_on_error
def fragment(slug: str) -> Response:
    limit = limit_arg()
    with Reader() as reader:
        source = load_source(reader, slug)
        limit = limit or source.default_limit
        etag = source.etag(limit, "h")
        response = not_modified(etag)
        if response is not None:
            return response

        def render(items: list[dict[str, Any]]) -> str:
            if not items:
                return ""
            return render_template(
                "widget/related.html", items=items, heading=HEADING, heading_id=f"cr-related-{source.id}"
            )

        html = rendered(reader, source, limit, "h", render)
    return cacheable(current_app.response_class(html, mimetype="text/html"), etag)


@bp.get("/r/<token>")
def follow(token: str) -> BaseResponse:
    target = clicks.read_token(current_app.config["SECRET_KEY"], token)
    db = database.session()
    destination = clicks.record_click(db, target, leaving.visitor(f"r:{token}"))
    db.commit()
    log.info("related click on site %s: %s -> %s", target.site_id, target.from_id, target.to_id)
    return leaving.lead_to(destination.url, destination.own_host)


bp.after_request(lambda response: apply_cors(response) if request.path.startswith("/widget/") else response)
