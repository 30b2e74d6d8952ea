"""make_backend: the mail backend the settings name."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

from service.settings import MailSettings, SettingsError

from .outbox import OutboxBackend
from .smtp import SmtpBackend


def make_backend(settings: MailSettings | Mapping[str, Any]) -> OutboxBackend | SmtpBackend:
    """Build the backend that MAIL_BACKEND names, from typed settings or from ``app.config``.

    A mapping is read through ``MailSettings`` when the backend is built (so a change to
    ``app.config`` takes effect at the next send): strings from the environment are fine,
    missing settings take the documented defaults, and bad values raise ``SettingsError``
    (a ``ValueError``) naming each of them. Building a backend does no I/O.
    """
    mail = settings if isinstance(settings, MailSettings) else MailSettings.from_config(settings)
    if problems := mail.smtp_problems():
        raise SettingsError(problems)
    if mail.MAIL_BACKEND == "outbox":
        return OutboxBackend(mail.outbox_dir)
    return SmtpBackend(
        host=mail.SMTP_HOST,
        port=mail.SMTP_PORT,
        security=mail.SMTP_SECURITY,
        username=mail.SMTP_USERNAME or None,
        password=mail.SMTP_PASSWORD or None,
        timeout=mail.SMTP_TIMEOUT,
        rate_limit_per_s=mail.SMTP_RATE_LIMIT or None,
        max_retries=mail.SMTP_MAX_RETRIES,
        backoff_base_s=mail.SMTP_BACKOFF_BASE,
        ssl_context=ssl.create_default_context(cafile=mail.SMTP_CA_FILE) if mail.SMTP_CA_FILE else None,
        local_hostname=mail.SMTP_LOCAL_HOSTNAME or None,
    )
