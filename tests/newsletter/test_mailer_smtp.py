"""SmtpBackend against a real aiosmtpd server on loopback."""

from __future__ import annotations

import logging

import pytest

from newsletter.mail import MailBackendError, SendResult, SmtpBackend, make_backend
from tests.newsletter.mail_fixtures import UNSUB_URL, digest_message


class FakeTime:
    """Injectable clock + sleep: sleeping advances the clock, records the wait."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time():
    return FakeTime()


def backend_for(sink, fake_time, **kwargs) -> SmtpBackend:
    options = dict(
        security="none", timeout=5, max_retries=3, backoff_base_s=0.5, sleep=fake_time.sleep, clock=fake_time.clock
    )
    options.update(kwargs)
    return SmtpBackend(sink.host, sink.port, **options)


def test_delivers_multipart_message_with_headers(smtp_sink, fake_time):
    msg = digest_message()
    with backend_for(smtp_sink, fake_time) as backend:
        result = backend.send(msg)
    assert result == SendResult(ok=True, message_id=msg["Message-ID"], attempts=1)
    [received] = smtp_sink.messages
    assert received.rcpt_tos == ["pat@example.com"]
    assert received.mail_from == "news@riverside.example.org"
    got = received.message
    assert got.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in got.iter_parts()] == ["text/plain", "text/html"]
    assert got["Message-ID"] == msg["Message-ID"]
    assert got["Subject"] == "Your reading from Riverside Clinic"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got["List-Unsubscribe"].startswith(f"<{UNSUB_URL}>, <mailto:")
    assert got["List-Id"] == "Riverside Clinic <riverside.clinicreads.example.org>"
    assert got["Date"] is not None
    assert "Gentle stretches" in got.get_body(("html",)).get_content()
    assert "Gentle stretches" in got.get_body(("plain",)).get_content()
    assert not received.tls


def test_batch_reuses_one_connection(smtp_sink, fake_time):
    messages = [digest_message(to=f"reader{i}@example.com") for i in range(5)]
    with backend_for(smtp_sink, fake_time) as backend:
        results = backend.send_many(messages)
    assert all(r.ok for r in results)
    assert [r.message_id for r in results] == [m["Message-ID"] for m in messages]
    assert len(smtp_sink.messages) == 5
    assert smtp_sink.connections == 1
    assert {m.connection for m in smtp_sink.messages} == {1}


def test_send_many_outside_a_with_block_uses_one_connection_and_closes_it(smtp_sink, fake_time):
    backend = backend_for(smtp_sink, fake_time)
    results = backend.send_many([digest_message(), digest_message()])
    assert [r.ok for r in results] == [True, True]
    assert smtp_sink.connections == 1
    assert not backend.is_open
    assert backend.send(digest_message()).ok  # a lone send: its own connection
    assert smtp_sink.connections == 2
    assert not backend.is_open


def test_with_block_holds_the_connection_across_sends(smtp_sink, fake_time):
    with backend_for(smtp_sink, fake_time) as backend:
        assert backend.is_open
        backend.send(digest_message())
        backend.send_many([digest_message(), digest_message()])
        backend.send(digest_message())
    assert not backend.is_open
    assert len(smtp_sink.messages) == 4
    assert smtp_sink.connections == 1


def test_temporary_failure_is_retried_and_delivered_once(smtp_sink, fake_time):
    smtp_sink.fail_next(2, code=451)
    with backend_for(smtp_sink, fake_time) as backend:
        result = backend.send(digest_message())
    assert result.ok and result.attempts == 3
    assert len(smtp_sink.messages) == 1
    assert fake_time.sleeps == [0.5, 1.0]  # exponential back-off
    assert smtp_sink.connections == 1


def test_temporary_failure_at_rcpt_is_retried(smtp_sink, fake_time):
    smtp_sink.fail_next(1, code=450, stage="RCPT")
    with backend_for(smtp_sink, fake_time) as backend:
        result = backend.send(digest_message())
    assert result.ok and result.attempts == 2
    assert len(smtp_sink.messages) == 1


def test_temporary_failure_that_outlasts_retries_is_not_permanent(smtp_sink, fake_time):
    smtp_sink.fail_next(10, code=451)
    with backend_for(smtp_sink, fake_time, max_retries=2) as backend:
        result = backend.send(digest_message())
        assert not result.ok and not result.permanent
        assert result.code == 451 and "Try again" in result.error
        assert result.attempts == 3
        assert fake_time.sleeps == [0.5, 1.0]
    assert smtp_sink.messages == []


def test_permanent_failure_is_recorded_and_batch_goes_on(smtp_sink, fake_time):
    smtp_sink.reject_recipient("gone@example.com", code=550)
    messages = [
        digest_message(to="a@example.com"),
        digest_message(to="gone@example.com"),
        digest_message(to="b@example.com"),
    ]
    with backend_for(smtp_sink, fake_time) as backend:
        results = backend.send_many(messages)
    assert [r.ok for r in results] == [True, False, True]
    bad = results[1]
    assert bad.permanent and bad.code == 550 and "No such user" in bad.error
    assert bad.message_id == messages[1]["Message-ID"]
    assert bad.attempts == 1 and fake_time.sleeps == []  # no retry for 5xx
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["a@example.com"], ["b@example.com"]]
    assert smtp_sink.connections == 1


def test_permanent_failure_at_data(smtp_sink, fake_time):
    smtp_sink.fail_next(1, code=554, text="5.7.1 Message rejected")
    with backend_for(smtp_sink, fake_time) as backend:
        result = backend.send(digest_message())
    assert not result.ok and result.permanent and result.code == 554


def test_connection_dropped_before_the_content_reconnects_and_delivers(smtp_sink, fake_time):
    smtp_sink.disconnect_next(1, stage="RCPT")
    with backend_for(smtp_sink, fake_time) as backend:
        first = backend.send(digest_message(to="a@example.com"))
        second = backend.send(digest_message(to="b@example.com"))
    assert first.ok and first.attempts == 2
    assert second.ok and second.attempts == 1
    assert len(smtp_sink.messages) == 2
    assert smtp_sink.connections == 2
    assert [m.connection for m in smtp_sink.messages] == [2, 2]


def test_connection_dropped_after_the_content_is_not_retried(smtp_sink, fake_time):
    smtp_sink.disconnect_next(1)
    with backend_for(smtp_sink, fake_time) as backend:
        first = backend.send(digest_message(to="a@example.com"))
        second = backend.send(digest_message(to="b@example.com"))
    assert not first.ok and first.unknown and not first.permanent and first.attempts == 1
    assert fake_time.sleeps == []
    assert second.ok and second.attempts == 1
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["b@example.com"]]
    assert smtp_sink.connections == 2


def test_rate_limit_spaces_messages(smtp_sink, fake_time):
    with backend_for(smtp_sink, fake_time, rate_limit_per_s=4) as backend:
        results = backend.send_many([digest_message() for _ in range(3)])
    assert all(r.ok for r in results)
    assert fake_time.sleeps == [pytest.approx(0.25), pytest.approx(0.25)]


def test_cannot_connect_raises(fake_time):
    backend = SmtpBackend(
        "127.0.0.1",
        1,
        security="none",
        timeout=2,
        max_retries=1,
        backoff_base_s=0.1,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    with pytest.raises(MailBackendError):
        backend.send(digest_message())
    assert fake_time.sleeps == [0.1]
    assert not backend.is_open


def test_logs_domain_and_message_id_only(smtp_sink, fake_time, caplog):
    smtp_sink.reject_recipient("gone@example.com")
    caplog.set_level(logging.DEBUG, logger="newsletter.mail")
    ok, bad = digest_message(to="pat@example.com"), digest_message(to="gone@example.com")
    with backend_for(smtp_sink, fake_time) as backend:
        backend.send_many([ok, bad])
    text = caplog.text
    assert ok["Message-ID"] in text and bad["Message-ID"] in text
    assert "domain=example.com" in text
    assert "pat@" not in text and "gone@" not in text
    assert "Back pain" not in text and "Insomnia" not in text


# -- STARTTLS, implicit TLS and AUTH ------------------------------------------------


def test_starttls_required(smtp_sink_factory, tls_server_context, tls_client_context, fake_time):
    sink = smtp_sink_factory(tls_context=tls_server_context, require_starttls=True)
    with backend_for(sink, fake_time, security="starttls", ssl_context=tls_client_context) as backend:
        results = backend.send_many([digest_message(), digest_message()])
    assert all(r.ok for r in results)
    assert all(m.tls for m in sink.messages)
    assert sink.connections == 1  # the EHLO after STARTTLS is the same connection


def test_starttls_refuses_untrusted_certificate(smtp_sink_factory, tls_server_context, fake_time):
    sink = smtp_sink_factory(tls_context=tls_server_context, require_starttls=True)
    backend = backend_for(sink, fake_time, security="starttls")  # system CAs only
    with pytest.raises(MailBackendError, match="TLS"):
        backend.open()
    assert sink.messages == []


def test_plain_client_refused_by_server_requiring_starttls(smtp_sink_factory, tls_server_context, fake_time):
    # aiosmtpd answers MAIL FROM with 530 (STARTTLS required): a configuration
    # problem, so it raises rather than failing (or bouncing) recipients.
    sink = smtp_sink_factory(tls_context=tls_server_context, require_starttls=True)
    with backend_for(sink, fake_time, security="none") as backend:
        with pytest.raises(MailBackendError, match="530"):
            backend.send(digest_message())
    assert sink.messages == []


def test_implicit_tls(smtp_sink_factory, tls_server_context, tls_client_context, fake_time):
    sink = smtp_sink_factory(implicit_tls_context=tls_server_context)
    with backend_for(sink, fake_time, security="tls", ssl_context=tls_client_context) as backend:
        assert backend.send(digest_message()).ok
    assert len(sink.messages) == 1


def test_auth_over_starttls(smtp_sink_factory, tls_server_context, tls_client_context, fake_time):
    sink = smtp_sink_factory(
        tls_context=tls_server_context, require_starttls=True, credentials={"mailer": "s3cret"}, auth_required=True
    )
    with backend_for(
        sink, fake_time, security="starttls", ssl_context=tls_client_context, username="mailer", password="s3cret"
    ) as backend:
        assert backend.send(digest_message()).ok
    assert sink.messages[0].login == "mailer"


def test_auth_wrong_password_raises(smtp_sink_factory, tls_server_context, tls_client_context, fake_time):
    sink = smtp_sink_factory(
        tls_context=tls_server_context, require_starttls=True, credentials={"mailer": "s3cret"}, auth_required=True
    )
    backend = backend_for(
        sink, fake_time, security="starttls", ssl_context=tls_client_context, username="mailer", password="wrong"
    )
    with pytest.raises(MailBackendError, match="login"):
        backend.open()
    assert sink.handler.auth_attempts >= 1
    assert fake_time.sleeps == []  # a refused login is not retried
    assert "wrong" not in repr(backend)


def test_make_backend_smtp_from_string_settings(smtp_sink):
    backend = make_backend(
        {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": smtp_sink.host,
            "SMTP_PORT": str(smtp_sink.port),
            "SMTP_SECURITY": "none",
            "SMTP_RATE_LIMIT": "0",
            "SMTP_MAX_RETRIES": "1",
            "SMTP_TIMEOUT": "5",
        }
    )
    assert isinstance(backend, SmtpBackend)
    assert backend.max_retries == 1 and backend.rate_limit_per_s is None
    with backend:
        assert backend.send(digest_message()).ok
    assert len(smtp_sink.messages) == 1
