"""CSRF protection for every form post, with Flask-WTF (``csrf = CSRFProtect()``; ``init_app(app)``).

Requests under ``/api/`` are exempt: they authenticate with a Bearer key (no cookie, so nothing
for another site to ride on) or, for the public sign-up endpoint, are meant to be posted to from
clinics' own pages. Views whose URL carries a signed capability (newsletter confirm, unsubscribe,
RFC 8058 one-click) are exempted with ``@csrf.exempt``. Forms include
``<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">``.
"""

from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect


class _CSRFProtect(CSRFProtect):
    """CSRFProtect that also exempts every path under /api/ (whoever registers the blueprint)."""

    def _is_exempt(self) -> bool:
        if request.path.startswith("/api/"):
            return True
        return super()._is_exempt()


csrf = _CSRFProtect()


def init_app(app: Flask) -> None:
    """Protect every POST/PUT/PATCH/DELETE outside /api/ and the views marked ``@csrf.exempt``."""
    csrf.init_app(app)
