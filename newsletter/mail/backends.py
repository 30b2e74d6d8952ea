"""Where messages go: an outbox folder of .eml files, or an SMTP server.

Both backends share one shape::

    with backend:                        # SMTP: one connection for the batch
        results = backend.send_many(messages)

``send``/``send_many`` return :class:`SendResult`s for answers about a message
(delivered, 4xx still failing after retries, 5xx permanent). Problems that are not
about a recipient — cannot connect, TLS or login refused, sender refused — raise
:class:`MailBackendError` so a person sees them. Logs name the recipient's domain
and the Message-ID only.
"""

from .base import Backend, MailBackendError, SendResult
from .factory import make_backend
from .outbox import OutboxBackend
from .smtp import SmtpBackend

__all__ = ["Backend", "MailBackendError", "OutboxBackend", "SendResult", "SmtpBackend", "make_backend"]
