"""CORS for the public endpoints a clinic's own pages call: only the site's allowed origins get headers."""

from __future__ import annotations

from flask import Response, g, request

PREFLIGHT_MAX_AGE = "86400"


def apply_cors(
    response: Response, methods: str = "GET, OPTIONS", allow_headers: str = "If-None-Match, Accept"
) -> Response:
    """Echo the Origin when it is one of the site's allowed origins (``g.cors_origins``); otherwise add no
    CORS headers. Preflights (OPTIONS) also learn the methods and request headers allowed."""
    vary = response.headers.get("Vary")
    response.headers["Vary"] = f"{vary}, Origin" if vary and "origin" not in vary.lower() else (vary or "Origin")
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/").lower() in g.get("cors_origins", ()):
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = methods
            response.headers["Access-Control-Allow-Headers"] = allow_headers
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
