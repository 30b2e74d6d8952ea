"""SmtpBackend: one connection per batch, rate limit, retries with back-off.

Answers about a message come back as :class:`SendResult` (ok; 4xx still failing
after retries; 5xx permanent; ``unknown`` when the connection failed after the
message content was sent and before the server's answer arrived). Problems that
are not about a recipient (cannot connect, TLS or login refused, sender refused)
raise :class:`MailBackendError`. Logs name the recipient's domain and the
Message-ID only.

A message is never sent twice by one backend: once its content has gone out
(after the server's 354 to DATA) a lost connection may hide an acceptance, so
that message is not retried in the same run; the caller decides (the digest
ledger retries it after the claim timeout, with the same Message-ID).
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from typing import Any

from .base import Backend, MailBackendError, SendResult, log, recipient_domain

SECURITY_MODES = ("none", "starttls", "tls")
_DATA_GO_AHEAD = 354
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


class _ContentTracking(smtplib.SMTP):
    """An SMTP client that knows whether the current message's content has been sent.

    ``content_sent`` turns true when, inside DATA, the client starts waiting for the server's final
    answer: from then on the server may have accepted the message whatever happens to the connection.
    """

    content_sent = False
    _in_data = False
    _go_ahead = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.content_sent = self._go_ahead = False
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def getreply(self) -> tuple[int, bytes]:
        if self._in_data and self._go_ahead:
            self.content_sent = True  # the content and its final dot are out; this reply is the verdict
        code, text = super().getreply()
        if self._in_data and code == _DATA_GO_AHEAD:
            self._go_ahead = True
        return code, text


class _TrackingSMTPSSL(_ContentTracking, smtplib.SMTP_SSL):
    pass


class SmtpBackend(Backend):
    """Send over SMTP, one connection per batch, with rate limit and retries.

    ``rate_limit_per_s``: at most this many transactions a second (None/0: no limit).
    ``max_retries``: extra tries for a 4xx answer or a connection dropped before the
    message content was sent, waiting
    ``backoff_base_s * 2**n`` (capped at ``backoff_max_s``) before try n+1.
    ``sleep``/``clock`` are injectable for tests.
    """

    def __init__(
        self,
        host: str,
        port: int | None = None,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        rate_limit_per_s: float | None = None,
        max_retries: int = 3,
        backoff_base_s: float = 1.0,
        *,
        backoff_max_s: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {SECURITY_MODES}")
        if not host:
            raise ValueError("SMTP host is required")
        if (username is None) != (password is None):
            raise ValueError("give both SMTP username and password, or neither")
        if max_retries < 0 or backoff_base_s < 0 or timeout <= 0:
            raise ValueError("max_retries and backoff_base_s must be >= 0, timeout > 0")
        if rate_limit_per_s is not None and rate_limit_per_s < 0:
            raise ValueError("rate_limit_per_s must be >= 0")
        self.host = host
        self.port = int(port) if port else DEFAULT_PORTS[security]
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self.rate_limit_per_s = rate_limit_per_s or None
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname
        self._sleep = sleep
        self._clock = clock
        self._smtp: _ContentTracking | None = None
        self._held = False
        self._next_send_at: float | None = None
        self._content_sent = False
        self.connections_opened = 0

    def __repr__(self) -> str:  # never shows the password
        return (
            f"SmtpBackend(host={self.host!r}, port={self.port}, security={self.security!r}, username={self.username!r})"
        )

    # -- connection ---------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """True while a connection is up."""
        return self._smtp is not None

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _connect(self) -> _ContentTracking:
        if self.security == "tls":
            smtp: _ContentTracking = _TrackingSMTPSSL(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout, context=self._context()
            )
        else:
            smtp = _ContentTracking(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username is not None and self.password is not None:  # both or neither, see __init__
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def open(self) -> None:
        """Connect and hold the connection until ``close()`` (``with backend:`` does
        both). Temporary failures are retried; raise MailBackendError if it can't."""
        self._connect_with_retries()
        self._held = True

    def _connect_with_retries(self) -> None:
        if self._smtp is not None:
            return
        attempt = 0
        while True:
            try:
                self._smtp = self._connect()
                self.connections_opened += 1
                log.debug("smtp connected host=%s port=%s", self.host, self.port)
                return
            except smtplib.SMTPAuthenticationError as exc:
                raise MailBackendError(f"SMTP login refused ({exc.smtp_code})") from exc
            except smtplib.SMTPNotSupportedError as exc:
                raise MailBackendError(f"SMTP server does not support: {exc}") from exc
            except smtplib.SMTPResponseException as exc:
                if not 400 <= exc.smtp_code < 500 or attempt >= self.max_retries:
                    raise MailBackendError(f"SMTP connection refused ({exc.smtp_code})") from exc
            except ssl.SSLError as exc:
                raise MailBackendError(f"SMTP TLS failed: {exc}") from exc
            except (smtplib.SMTPException, OSError) as exc:
                if attempt >= self.max_retries:
                    raise MailBackendError(f"cannot connect to SMTP {self.host}:{self.port}: {exc}") from exc
            self._backoff(attempt)
            attempt += 1

    def close(self) -> None:
        """QUIT and close the connection (safe to call when not open)."""
        self._held = False
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the server went away first; nothing left to tidy but the socket
        finally:
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    # -- sending --------------------------------------------------------------------
    def _backoff(self, attempt: int) -> None:
        self._sleep(min(self.backoff_max_s, self.backoff_base_s * (2**attempt)))

    def _throttle(self) -> None:
        if not self.rate_limit_per_s:
            return
        now = self._clock()
        if self._next_send_at is not None and now < self._next_send_at:
            self._sleep(self._next_send_at - now)
            now = self._next_send_at
        self._next_send_at = now + 1.0 / self.rate_limit_per_s

    def send(self, msg: EmailMessage) -> SendResult:
        """Send one message: on the held connection inside ``with backend:``,
        otherwise on a connection opened and closed for this call."""
        if self._held:
            return self._send_one(msg)
        with self:
            return self._send_one(msg)

    def send_many(self, messages: Iterable[EmailMessage]) -> list[SendResult]:
        """Send a batch over one connection (the held one, or one opened and closed
        for this call). A 5xx for one message does not stop the batch."""
        if self._held:
            return [self._send_one(m) for m in messages]
        with self:
            return [self._send_one(m) for m in messages]

    def _send_one(self, msg: EmailMessage) -> SendResult:
        message_id = msg.get("Message-ID")
        domain = recipient_domain(msg)
        attempt = 0
        while True:
            code, error, temporary = self._attempt(msg)
            if code is None and error is None:
                log.info("mail sent message_id=%s domain=%s attempts=%d", message_id, domain, attempt + 1)
                return SendResult(ok=True, message_id=message_id, attempts=attempt + 1)
            if code is None and self._content_sent:
                log.warning(
                    "mail outcome unknown (connection lost after the content was sent) message_id=%s domain=%s",
                    message_id,
                    domain,
                )
                return SendResult(ok=False, message_id=message_id, unknown=True, error=error, attempts=attempt + 1)
            if not temporary or attempt >= self.max_retries:
                log.warning(
                    "mail %s message_id=%s domain=%s code=%s attempts=%d",
                    "temporarily failed" if temporary else "rejected",
                    message_id,
                    domain,
                    code,
                    attempt + 1,
                )
                return SendResult(
                    ok=False,
                    message_id=message_id,
                    permanent=not temporary,
                    code=code,
                    error=error,
                    attempts=attempt + 1,
                )
            log.info("mail retry message_id=%s domain=%s code=%s attempt=%d", message_id, domain, code, attempt + 1)
            self._backoff(attempt)
            attempt += 1

    def _attempt(self, msg: EmailMessage) -> tuple[int | None, str | None, bool]:
        """One transaction: (None, None, _) when accepted, else (code, error, temporary)."""
        self._content_sent = False
        self._connect_with_retries()  # reconnects after a drop
        self._throttle()
        smtp = self._smtp
        assert smtp is not None
        smtp.content_sent = False
        try:
            refused = smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return self._answer(code, text)
        except smtplib.SMTPSenderRefused as exc:
            if 400 <= exc.smtp_code < 500:
                return self._answer(exc.smtp_code, exc.smtp_error)
            raise MailBackendError(f"SMTP refused the sender ({exc.smtp_code})") from exc
        except smtplib.SMTPServerDisconnected as exc:
            self._content_sent = smtp.content_sent
            self._drop()
            return (None, f"disconnected: {exc}", True)
        except smtplib.SMTPResponseException as exc:
            return self._answer(exc.smtp_code, exc.smtp_error)
        except OSError as exc:  # timeouts, resets
            self._content_sent = smtp.content_sent
            self._drop()
            return (None, f"connection error: {exc}", True)
        if refused:  # only with several recipients: some were refused
            code, text = next(iter(refused.values()))
            return self._answer(code, text)
        return (None, None, True)

    def _answer(self, code: int, text: bytes | str) -> tuple[int, str, bool]:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if code == 421 or (self._smtp is not None and getattr(self._smtp, "sock", None) is None):
            self._drop()  # smtplib closed it, or the server is going away
        return (code, text, 400 <= code < 500)
