"""The web side of followed links (``/r/<token>`` and the digests' read links): who the visitor is, and
either a redirect to the site's own host or a page that names the other host and links to it."""

from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request
from werkzeug.wrappers import Response

from articles.widget import destinations, replays
from articles.widget.bots import is_robot


def visitor(link: str) -> str | None:
    """The replay key of this request's reader for ``link``; None (nothing counted) on HEAD and for known
    robots: only a GET from a browser counts a click."""
    if request.method != "GET" or is_robot(request.user_agent.string):
        return None
    address = request.remote_addr or ""
    return replays.visitor_key(current_app.config["SECRET_KEY"], link, address, request.user_agent.string)


def lead_to(url: str, own_host: bool) -> Response:
    """302 to ``url`` on the site's own host; otherwise a page with a plain link (no open redirect)."""
    if own_host:
        response = redirect(url, 302)
    else:
        page = render_template("leaving.html", url=url, host=destinations.host_of(url) or url)
        response = make_response(page, 200)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # digest links name the reader
    return response
