"""The application factory: every blueprint, the widget's fast lane and every CLI group, listed in one place."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, g, jsonify, request
from flask.cli import AppGroup
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from admin import auth as admin_auth
from admin.cli import editors_cli
from admin.views import bp as admin_pages
from articles.api import bp as articles_api
from articles.cli import recommender_cli
from articles.feeds.api import bp as feeds_api
from articles.feeds.cli import feeds_cli
from articles.related.api import bp as related_api
from articles.related.index_store import IndexStore
from articles.site_options_api import bp as site_api
from articles.site_options_cli import sites_set
from articles.synonyms.api import bp as synonyms_api
from articles.widget import fast_lane
from articles.widget.api import bp as widget_api
from articles.widget.clicks_api import bp as clicks_api
from articles.widget.pages import bp as widget_pages
from clinicreads.cli import db_cli, demo_cli
from clinicreads.front import bp as front_pages
from jobs.cli import jobs_cli
from jobs.related_worker import related_cli
from newsletter.api import bp as subscribers_api
from newsletter.cli import subscribers_cli
from newsletter.digest_view import bp as digest_view_pages
from newsletter.digests.api import bp as digests_api
from newsletter.digests.cli import digests_cli
from newsletter.reading_web import bp as reading_web
from newsletter.topics_api import bp as topics_api
from newsletter.views import bp as newsletter_pages
from service import csrf, db, errors, http
from service.cli import keys_cli, sites_cli
from service.config import TEMPLATE_DIR, load_settings

log = logging.getLogger("service.requests")

#: every blueprint the app serves, in registration order
BLUEPRINTS: tuple[Blueprint, ...] = (
    articles_api,
    related_api,
    widget_api,
    widget_pages,
    clicks_api,
    feeds_api,
    synonyms_api,
    admin_pages,
    newsletter_pages,
    subscribers_api,
    digests_api,
    digest_view_pages,
    site_api,
    topics_api,
    reading_web,
    front_pages,
)

#: every ``flask --app wsgi <group>`` command group
CLI_GROUPS: tuple[AppGroup, ...] = (
    db_cli,
    sites_cli,
    keys_cli,
    demo_cli,
    recommender_cli,
    feeds_cli,
    editors_cli,
    subscribers_cli,
    digests_cli,
    jobs_cli,
    related_cli,
)

#: commands of a group defined below the layer that owns the group (they need the articles wing)
sites_cli.add_command(sites_set)

LOGGERS = ("service", "articles", "newsletter", "jobs", "admin", "recommender", "clinicreads")


def _configure_logging(level: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in LOGGERS:
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


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from environment settings, with ``config`` overriding them (tests pass their own)."""
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR))
    http.init_app(app)  # first: bounded ids in every route, and the input checks before any other hook
    app.config.update(load_settings(config))
    app.json.sort_keys = False  # type: ignore[attr-defined]
    _configure_logging(app.config["LOG_LEVEL"])
    indexes = IndexStore.for_settings(app.config["VAR_DIR"], app.config["DATABASE_URL"])
    db.init_app(app, session_info=indexes.session_info())  # every session of the app carries its index store
    errors.init_app(app)
    admin_auth.init_app(app)
    _log_requests(app)
    _register_health(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    fast_lane.init_app(app)
    for group in CLI_GROUPS:
        app.cli.add_command(group)
    csrf.init_app(app)  # after the blueprints: it exempts those under /api/
    _trust_proxies(app, app.config["TRUSTED_PROXY_HOPS"])
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind ``hops`` reverse proxies, take the client's address, scheme and host from their X-Forwarded-* headers.

    Outermost of the WSGI wrappers, so the fast lane and the app see the same client. Without proxies the
    headers are ignored: anyone can send them, and sign-in throttling counts by address.
    """
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
