"""Fixtures for the newsletter tests. The SMTP ones can move to tests/conftest.py as-is."""

from __future__ import annotations

import pytest

from tests.newsletter.smtp_sink import (
    SmtpSink,
    client_tls_context,
    make_self_signed_cert,
    server_tls_context,
)


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
