"""Fixtures shared by the whole suite.

``app`` runs each test that uses it twice: on a fresh SQLite file and on a fresh PostgreSQL
database (one database per test session, emptied between tests). Without a PostgreSQL
server the PostgreSQL runs skip with the reason shown; with CI=true they fail instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from clinicreads.app import create_app
from clinicreads.models import metadata
from service import db as database
from service.auth import SCOPES, create_api_key
from service.migrations import upgrade
from service.sites import Site, create_site
from tests.live import CHROMIUM, CHROMIUM_ARGS, LiveServer

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
REPO_ROOT = Path(__file__).resolve().parent.parent


def require_or_skip(condition: bool, reason: str) -> None:
    """Skip with ``reason`` locally; in CI a missing dependency is a failure, never a silent skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any connection failure means "no server": report why
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    problem = _postgres_available()
    require_or_skip(problem is None, problem or "")
    name = f"clinicreads_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
        return url
    path = tmp_path / "clinicreads.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh SQLite database, for tests that need only one engine."""
    path = tmp_path / "clinicreads.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def make_test_app(database_url: str, var_dir: Path, **overrides: Any) -> Flask:
    config = {
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "PUBLIC_BASE_URL": "http://service.test",
        "WIDGET_MICROCACHE_SECONDS": 0,
        "WIDGET_CHANGE_FEED": False,
        # the suite signs up many addresses from one client; tests of the limits set their own
        "SIGNUP_LIMIT_PER_CLIENT": 10_000,
        "SIGNUP_LIMIT_PER_SITE": 10_000,
        "SIGNUP_LIMIT_PER_EMAIL": 10_000,
        **overrides,
    }
    application = create_app(config)
    application.test_client_class = ServerLikeClient
    return application


class ServerLikeClient(FlaskClient):
    """Consumes and closes each response before returning it, as a WSGI server does once the body is sent, so
    work the app runs after the response (``response.call_on_close``) has happened when a test reads the result."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = make_test_app(database_url, tmp_path / "var")
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def sqlite_app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on a SQLite file only (browser tests, slow end-to-end tests)."""
    application = make_test_app(sqlite_url, tmp_path / "var")
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


class SiteWithKey:
    """A site and a live API key for it, with helpers to call the editors' API as that site."""

    def __init__(self, site: Site, key: str):
        self.site = site
        self.slug = site.slug
        self.key = key

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def add_site(app: Flask, slug: str, **kwargs: Any) -> SiteWithKey:
    with app.app_context():
        with database.new_session() as db:
            site = create_site(db, slug, kwargs.pop("name", slug.title()), **kwargs)
            _, plain = create_api_key(db, site, "tests", SCOPES)
            db.commit()
            return SiteWithKey(site, plain)


@pytest.fixture
def site_a(app: Flask) -> SiteWithKey:
    return add_site(app, "clinic-a", origins=["https://clinic-a.example"])


@pytest.fixture
def site_b(app: Flask) -> SiteWithKey:
    return add_site(app, "clinic-b", origins=["https://clinic-b.example"])


@pytest.fixture
def live_server(sqlite_app: Flask) -> Iterator[LiveServer]:
    """The app (on a SQLite file) served over real HTTP."""
    with LiveServer(sqlite_app) as server:
        sqlite_app.config["PUBLIC_BASE_URL"] = server.url
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context and page; console messages and page errors are collected on the page."""
    context = browser.new_context()
    tab = context.new_page()
    tab.console_messages = []  # type: ignore[attr-defined]
    tab.page_errors = []  # type: ignore[attr-defined]
    tab.on("console", lambda message: tab.console_messages.append(message))  # type: ignore[attr-defined]
    tab.on("pageerror", lambda error: tab.page_errors.append(error))  # type: ignore[attr-defined]
    yield tab
    context.close()


def article_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "url": "https://clinic-a.example/articles/neuropathic-pain",
        "title": "Neuropathic Pain and Physical Therapy",
        "body_html": "<p>Nerve pain can improve with graded exercise and movement therapy.</p>",
        "tags": ["nerve pain", "exercise"],
        "categories": ["Pain"],
        "published_at": "2026-03-01T09:30:00Z",
    }
    payload.update(overrides)
    return payload
