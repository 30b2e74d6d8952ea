"""Email for Clinic Reads: branding, rendering, message building and sending.

No Flask, no database: everything takes plain values, so web views and jobs
share it. Typical use::

    from newsletter.mail import Branding, build_message, make_backend

    msg = build_message("digest", branding, "pat@example.com",
                        {"items": items, "preferences_url": prefs_url},
                        unsubscribe_url, unsubscribe_mailto)
    with make_backend(settings) as backend:
        results = backend.send_many([msg])
"""

from .backends import (
    MailBackendError,
    OutboxBackend,
    SendResult,
    SmtpBackend,
    make_backend,
)
from .branding import Branding
from .message import build_message, new_message_id
from .render import KINDS, DigestItem, RenderedEmail, environment, render

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
    "new_message_id",
    "render",
]
