"""A real SMTP server on loopback for tests: records what it receives, fails on request.

Usage (without pytest)::

    with SmtpSink() as sink:                 # plain SMTP on 127.0.0.1, a free port
        send_to(sink.host, sink.port)
        msg = sink.messages[0].message       # email.message.EmailMessage (policy=default)

    sink.fail_next(2, code=451)              # next 2 DATA commands answer 451
    sink.reject_recipient("x@example.org")   # RCPT TO answers 550 for that address
    sink.connections                         # SMTP sessions that said EHLO/HELO

TLS: ``SmtpSink(tls_context=ctx, require_starttls=True)`` offers STARTTLS;
``SmtpSink(implicit_tls_context=ctx)`` speaks TLS from the first byte (SMTPS).
``make_self_signed_cert(folder)`` writes a certificate for 127.0.0.1/localhost
with ``openssl`` and ``server_tls_context`` / ``client_tls_context`` wrap it.
AUTH: ``SmtpSink(credentials={"user": "secret"}, auth_required=True, ...)``.

This module imports nothing from pytest; the fixtures live in conftest.py.
"""

from __future__ import annotations

import email
import email.policy
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = [
    "ReceivedMessage",
    "SinkHandler",
    "SmtpSink",
    "client_tls_context",
    "make_self_signed_cert",
    "server_tls_context",
]


@dataclass
class ReceivedMessage:
    """One accepted SMTP transaction."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str | None
    connection: int  # 1-based number of the connection that carried it

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class _Failure:
    remaining: int
    code: int
    text: str


class SinkHandler:
    """aiosmtpd handler: records envelopes, counts connections, injects failures."""

    def __init__(self, credentials: dict[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self.credentials = dict(credentials or {})
        self.messages: list[ReceivedMessage] = []
        self.connections = 0
        self.auth_attempts = 0
        self._data_failures: list[_Failure] = []
        self._rcpt_failures: list[_Failure] = []
        self._rejected: dict[str, tuple[int, str]] = {}
        self._disconnect_next = 0
        self._disconnect_rcpt_next = 0

    # -- controls (called from the test thread) ---------------------------------
    def fail_next(self, n: int, code: int = 451, text: str = "4.3.0 Try again later", stage: str = "DATA") -> None:
        """Answer ``code text`` to the next ``n`` DATA (or RCPT) commands."""
        if stage not in ("DATA", "RCPT"):
            raise ValueError("stage must be 'DATA' or 'RCPT'")
        with self._lock:
            target = self._data_failures if stage == "DATA" else self._rcpt_failures
            target.append(_Failure(n, code, text))

    def reject_recipient(self, address: str, code: int = 550, text: str = "5.1.1 No such user") -> None:
        """Answer ``code text`` to RCPT TO for this address, every time."""
        with self._lock:
            self._rejected[address.lower()] = (code, text)

    def disconnect_next(self, n: int = 1, stage: str = "DATA") -> None:
        """Drop the connection (no reply) at the next ``n`` DATA commands (after the content came in, which is
        then not accepted) or RCPT commands (before any content was sent)."""
        if stage not in ("DATA", "RCPT"):
            raise ValueError("stage must be 'DATA' or 'RCPT'")
        with self._lock:
            if stage == "DATA":
                self._disconnect_next += n
            else:
                self._disconnect_rcpt_next += n

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.connections = 0
            self.auth_attempts = 0
            self._data_failures.clear()
            self._rcpt_failures.clear()
            self._rejected.clear()
            self._disconnect_next = 0
            self._disconnect_rcpt_next = 0

    # -- aiosmtpd hooks (called on the server thread) ----------------------------
    def _count(self, server) -> None:
        # ``server`` is the per-connection SMTP protocol object; it survives STARTTLS
        # (the session object does not), so a re-EHLO after STARTTLS is not counted.
        if getattr(server, "_sink_connection", None) is None:
            with self._lock:
                self.connections += 1
                server._sink_connection = self.connections

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self._count(server)
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self._count(server)
        session.host_name = hostname
        return f"250 {server.hostname}"

    @staticmethod
    def _take(failures: list[_Failure]) -> _Failure | None:
        while failures and failures[0].remaining <= 0:
            failures.pop(0)
        if not failures:
            return None
        failures[0].remaining -= 1
        return failures[0]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            drop = self._disconnect_rcpt_next > 0
            if drop:
                self._disconnect_rcpt_next -= 1
            rejected = self._rejected.get(address.lower())
            failure = None if rejected else self._take(self._rcpt_failures)
        if drop:
            server.transport.close()
            return "421 4.3.2 Closing connection"  # never seen by the client
        if rejected:
            return f"{rejected[0]} {rejected[1]}"
        if failure:
            return f"{failure.code} {failure.text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            disconnect = self._disconnect_next > 0
            if disconnect:
                self._disconnect_next -= 1
            failure = None if disconnect else self._take(self._data_failures)
        if disconnect:
            server.transport.close()
            return "421 4.3.2 Closing connection"  # never seen by the client
        if failure:
            return f"{failure.code} {failure.text}"
        auth = session.auth_data
        login = auth.login if isinstance(auth, LoginPassword) else None
        with self._lock:
            self.messages.append(
                ReceivedMessage(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    data=bytes(envelope.original_content or envelope.content),
                    tls=session.ssl is not None,
                    login=login.decode() if isinstance(login, bytes) else login,
                    connection=getattr(server, "_sink_connection", 0) or 0,
                )
            )
        return "250 2.0.0 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        with self._lock:
            self.auth_attempts += 1
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            if user in self.credentials and self.credentials[user] == auth_data.password.decode():
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)


class _Controller(Controller):
    """Controller that accepts port 0 and learns the port the OS picked."""

    def _trigger_server(self):
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class SmtpSink:
    """A started/stoppable aiosmtpd server on 127.0.0.1 with a :class:`SinkHandler`."""

    tls_context: ssl.SSLContext | None = None
    require_starttls: bool = False
    implicit_tls_context: ssl.SSLContext | None = None
    credentials: dict[str, str] | None = None
    auth_required: bool = False
    auth_require_tls: bool = True
    host: str = "127.0.0.1"
    handler: SinkHandler = field(init=False)
    port: int = field(init=False, default=0)
    _controller: _Controller | None = field(init=False, default=None, repr=False)

    def app_settings(self) -> dict[str, object]:
        """The app settings that send all mail to this sink over plain SMTP, failing fast."""
        return {
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": self.host,
            "SMTP_PORT": self.port,
            "SMTP_SECURITY": "none",
            "SMTP_MAX_RETRIES": 0,
            "SMTP_TIMEOUT": 5,
        }

    def __post_init__(self) -> None:
        self.handler = SinkHandler(self.credentials)

    def start(self) -> SmtpSink:
        if self._controller is not None:
            raise RuntimeError("SmtpSink already started")
        kwargs = {}
        if self.credentials is not None:
            kwargs["authenticator"] = self.handler.authenticate
            kwargs["auth_required"] = self.auth_required
            kwargs["auth_require_tls"] = self.auth_require_tls
        if self.tls_context is not None:
            kwargs["tls_context"] = self.tls_context
            kwargs["require_starttls"] = self.require_starttls
        controller = _Controller(
            self.handler,
            hostname=self.host,
            port=0,
            ssl_context=self.implicit_tls_context,
            server_hostname="sink.test",  # skip socket.getfqdn()'s DNS lookup
            ready_timeout=10.0,
            **kwargs,
        )
        controller.start()
        self._controller = controller
        self.port = controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # conveniences delegating to the handler
    @property
    def messages(self) -> list[ReceivedMessage]:
        return self.handler.messages

    @property
    def connections(self) -> int:
        return self.handler.connections

    def fail_next(self, n: int, code: int = 451, text: str = "4.3.0 Try again later", stage: str = "DATA") -> None:
        self.handler.fail_next(n, code, text, stage)

    def reject_recipient(self, address: str, code: int = 550, text: str = "5.1.1 No such user") -> None:
        self.handler.reject_recipient(address, code, text)

    def disconnect_next(self, n: int = 1, stage: str = "DATA") -> None:
        self.handler.disconnect_next(n, stage)

    def clear(self) -> None:
        self.handler.clear()


def make_self_signed_cert(folder: Path | str) -> tuple[Path, Path]:
    """Write ``cert.pem`` and ``key.pem`` (valid for 127.0.0.1 and localhost) into folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def server_tls_context(cert: Path | str, key: Path | str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


def client_tls_context(cert: Path | str) -> ssl.SSLContext:
    """A client context that trusts only the self-signed certificate."""
    return ssl.create_default_context(cafile=str(cert))
