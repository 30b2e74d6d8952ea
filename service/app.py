"""The application factory."""
from __future__ import annotations

import logging
import time
from typing import Any, Mapping

from flask import Flask, g, jsonify, request
from sqlalchemy import text

from jobs import cli as jobs_cli
from service import cli, csrf, db, errors
from service.config import load_settings

log = logging.getLogger("service.requests")


def _configure_logging(level: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("service", "articles", "newsletter", "jobs", "admin", "recommender"):
        logging.getLogger(name).setLevel(level.upper())


def _log_requests(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response: Any) -> Any:
        elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed_ms)
        return response


def _register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        try:
            with db.engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not healthy"; report it, don't crash
            log.error("health check failed: %s", exc)
            return jsonify({"status": "error", "database": "unreachable"}), 503
        return jsonify({"status": "ok", "database": "ok"})


def _register_blueprints(app: Flask) -> None:
    import admin
    from articles.api import bp as articles_api
    from articles.feeds.api import init_app as init_feeds
    from articles.related_api import bp as related_api
    from articles.widget import init_app as init_widget

    app.register_blueprint(articles_api)
    app.register_blueprint(related_api)
    init_widget(app)
    init_feeds(app)
    admin.init_app(app)
    _register_newsletter(app)


def _register_newsletter(app: Flask) -> None:
    from newsletter.api import bp as newsletter_api
    from newsletter.cli import subscribers_cli
    from newsletter.digest_api import bp as digest_api
    from newsletter.digest_cli import digests_cli
    from newsletter.views import bp as newsletter_public

    app.register_blueprint(newsletter_public)
    app.register_blueprint(newsletter_api)
    app.register_blueprint(digest_api)
    app.cli.add_command(subscribers_cli)
    app.cli.add_command(digests_cli)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from environment settings, with ``config`` overriding them (tests pass their own)."""
    app = Flask(__name__)
    app.config.update(load_settings(config))
    app.json.sort_keys = False  # type: ignore[attr-defined]
    _configure_logging(app.config["LOG_LEVEL"])
    db.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    jobs_cli.init_app(app)
    _log_requests(app)
    _register_health(app)
    _register_blueprints(app)
    csrf.init_app(app)  # after the blueprints: it exempts those under /api/
    return app
