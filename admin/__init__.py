"""Editors' web pages: sign-in, dashboard, articles, related links, site settings, API keys, editors."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the admin blueprint, the ``editors`` CLI group and the session cookie settings."""
    from admin import auth
    from admin.cli import editors_cli
    from admin.views import bp

    auth.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(editors_cli)
