"""Fixtures for the newsletter tests: SMTP sinks (plain and TLS) and an app whose mail goes to a sink."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import SiteWithKey, make_test_app
from tests.newsletter.demo_clinic import build_demo_database
from tests.newsletter.smtp_sink import (
    SmtpSink,
    client_tls_context,
    make_self_signed_cert,
    server_tls_context,
)
from tests.newsletter.subscriber_helpers import BASE, make_clinic


@pytest.fixture
def smtp_sink():
    """A plain SMTP server on 127.0.0.1 (free port); ``smtp_sink.host``/``.port``."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def smtp_sink_factory():
    """Build sinks with options (TLS, AUTH); every sink is stopped at teardown.

    ``sink = smtp_sink_factory(tls_context=..., require_starttls=True)``
    """
    sinks: list[SmtpSink] = []

    def make(**options) -> SmtpSink:
        sink = SmtpSink(**options)
        sinks.append(sink)
        return sink.start()

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    """(cert_path, key_path) of a self-signed certificate for 127.0.0.1/localhost."""
    return make_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server_context(tls_cert):
    return server_tls_context(*tls_cert)


@pytest.fixture
def tls_client_context(tls_cert):
    return client_tls_context(tls_cert[0])


@pytest.fixture
def mail_app(database_url: str, tmp_path: Path, smtp_sink: Any) -> Iterator[Flask]:
    """The app on both engines, mail over SMTP to ``smtp_sink``, https public address."""
    app = make_test_app(
        database_url,
        tmp_path / "var",
        PUBLIC_BASE_URL=BASE,
        **smtp_sink.app_settings(),
    )
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def mail_client(mail_app: Flask) -> FlaskClient:
    return mail_app.test_client()


@pytest.fixture
def clinic(mail_app: Flask) -> SiteWithKey:
    """Clinic A on ``mail_app``, with a postal address and two published articles (see ``make_clinic``)."""
    return make_clinic(mail_app)


@pytest.fixture(scope="session")
def demo_database(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the whole demo clinic loaded (``flask demo load``); tests work on copies."""
    return build_demo_database(sqlite_template, tmp_path_factory.mktemp("demo"))
