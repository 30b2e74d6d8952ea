"""The mailer's public face; the code lives in :mod:`newsletter.mail`."""
from newsletter.mail import (  # noqa: F401
    KINDS,
    Branding,
    DigestItem,
    MailBackendError,
    OutboxBackend,
    RenderedEmail,
    SendResult,
    SmtpBackend,
    build_message,
    environment,
    make_backend,
    render,
)

__all__ = [
    "KINDS",
    "Branding",
    "DigestItem",
    "MailBackendError",
    "OutboxBackend",
    "RenderedEmail",
    "SendResult",
    "SmtpBackend",
    "build_message",
    "environment",
    "make_backend",
    "render",
]
