"""The application factory: every blueprint, the widget's fast lane and every CLI group, listed in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from flask import Blueprint, Flask
from flask.cli import AppGroup
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
from clinicreads import __version__
from clinicreads.backup_cli import backup_cli
from clinicreads.cli import db_cli, demo_cli
from clinicreads.front import bp as front_pages
from clinicreads.openapi.views import bp as openapi_pages
from clinicreads.ops_endpoints import bp as ops_endpoints
from jobs.cli import jobs_cli
from jobs.queue import celery_init_app
from jobs.related_worker import related_cli
from jobs.worker_cli import worker
from newsletter.api import bp as subscribers_api
from newsletter.cli import subscribers_cli
from newsletter.delivery_api import bp as delivery_webhooks
from newsletter.digest_view import bp as digest_view_pages
from newsletter.digests.api import bp as digests_api
from newsletter.digests.cli import digests_cli
from newsletter.import_api import bp as subscriber_imports_api
from newsletter.reading_web import bp as reading_web
from newsletter.topics_api import bp as topics_api
from newsletter.views import bp as newsletter_pages
from service import csrf, db, errors, http, log_format
from service.cli import keys_cli, sites_cli
from service.config import TEMPLATE_DIR, load_settings
from service.request_log import RequestLog

#: every blueprint the app serves, in registration order
BLUEPRINTS: tuple[Blueprint, ...] = (
    ops_endpoints,
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
    delivery_webhooks,
    openapi_pages,
    subscriber_imports_api,
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
    backup_cli,
)

#: commands of a group defined below the layer that owns the group (they need the articles wing)
sites_cli.add_command(sites_set)

LOGGERS = ("service", "articles", "newsletter", "jobs", "admin", "recommender", "clinicreads")


@click.command("version")
def version_command() -> None:
    """Print the version of Clinic Reads."""
    click.echo(f"Clinic Reads {__version__}")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from environment settings, with ``config`` overriding them (tests pass their own)."""
    app = Flask(__name__, template_folder=str(TEMPLATE_DIR))
    http.init_app(app)  # first: bounded ids in every route, and the input checks before any other hook
    app.config.update(load_settings(config))
    app.json.sort_keys = False  # type: ignore[attr-defined]
    log_format.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"], LOGGERS)
    indexes = IndexStore.for_settings(app.config["DATABASE_URL"], app.config["SECRET_KEY"])
    db.init_app(app, session_info=indexes.session_info())  # every session of the app carries its index store
    errors.init_app(app)
    admin_auth.init_app(app)
    app.context_processor(lambda: {"clinic_reads_version": __version__})
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    fast_lane.init_app(app)
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]
    for group in CLI_GROUPS:
        app.cli.add_command(group)
    app.cli.add_command(version_command)
    app.cli.add_command(worker)
    celery_init_app(app)
    csrf.init_app(app)  # after the blueprints: it exempts those under /api/
    _trust_proxies(app, app.config["TRUSTED_PROXY_HOPS"])
    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind ``hops`` reverse proxies, take the client's address, scheme and host from their X-Forwarded-* headers.

    Outermost of the WSGI wrappers, so the request log, the fast lane and the app see the same client. Without
    proxies the headers are ignored: anyone can send them, and sign-in throttling counts by address.
    """
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
