"""What every backend shares: the result type, the error type, the with-block shape."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger("newsletter.mail")


class MailBackendError(Exception):
    """The mail system itself failed (connection, TLS, login, sender refused)."""


@dataclass(frozen=True)
class SendResult:
    """What happened to one message.

    ``ok``: accepted by the server (or written to the outbox).
    ``permanent``: a 5xx answer — do not retry; count towards bouncing the address.
    Failed and not permanent: a 4xx that outlasted the retries — try again later.
    ``unknown``: the connection was lost after the message content was sent, so the
    server may have accepted it; it was not retried, and a later try must reuse its
    Message-ID so that receivers can drop the copy.
    """

    ok: bool
    message_id: str | None
    permanent: bool = False
    code: int | None = None
    error: str | None = None
    attempts: int = 1
    unknown: bool = False


def recipient_domain(msg: EmailMessage) -> str:
    to = msg.get("To")
    try:
        return to.addresses[0].domain if to is not None else "?"
    except (AttributeError, IndexError):
        return "?"


class Backend:
    """The shape every backend has: ``open``/``close`` (or ``with backend:``),
    ``send(msg) -> SendResult`` and ``send_many(msgs) -> list[SendResult]``."""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, msg: EmailMessage) -> SendResult:
        raise NotImplementedError

    def send_many(self, messages: Iterable[EmailMessage]) -> list[SendResult]:
        return [self.send(m) for m in messages]
