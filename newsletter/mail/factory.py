"""make_backend: the configured backend from settings values."""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any

from .outbox import OutboxBackend
from .smtp import SmtpBackend


def _int(settings: Mapping[str, Any], key: str, default: int | None) -> int | None:
    value = settings.get(key, default)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be an integer, got {value!r}") from None


def _float(settings: Mapping[str, Any], key: str, default: float | None) -> float | None:
    value = settings.get(key, default)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, got {value!r}") from None


def make_backend(settings: Mapping[str, Any]) -> OutboxBackend | SmtpBackend:
    """Build the backend the settings name (strings from the environment are fine).

    MAIL_BACKEND: "outbox" (default) or "smtp".
    MAIL_OUTBOX_DIR: outbox folder (default "var/outbox").
    SMTP_HOST (required for smtp), SMTP_PORT (default by security: 25/587/465),
    SMTP_SECURITY: "none" | "starttls" (default) | "tls", SMTP_USERNAME, SMTP_PASSWORD,
    SMTP_TIMEOUT (s, 30), SMTP_RATE_LIMIT (messages/s, 0 = none), SMTP_MAX_RETRIES (3),
    SMTP_BACKOFF_BASE (s, 1), SMTP_CA_FILE (extra CA bundle for a private server),
    SMTP_LOCAL_HOSTNAME (name sent in EHLO).
    """
    kind = str(settings.get("MAIL_BACKEND") or "outbox").strip().lower()
    if kind == "outbox":
        return OutboxBackend(settings.get("MAIL_OUTBOX_DIR") or os.path.join("var", "outbox"))
    if kind != "smtp":
        raise ValueError(f"MAIL_BACKEND must be 'outbox' or 'smtp', got {kind!r}")
    security = str(settings.get("SMTP_SECURITY") or "starttls").strip().lower()
    ca_file = settings.get("SMTP_CA_FILE") or None
    return SmtpBackend(
        host=settings.get("SMTP_HOST") or "",
        port=_int(settings, "SMTP_PORT", None),
        security=security,
        username=settings.get("SMTP_USERNAME") or None,
        password=settings.get("SMTP_PASSWORD") or None,
        timeout=_float(settings, "SMTP_TIMEOUT", 30.0),
        rate_limit_per_s=_float(settings, "SMTP_RATE_LIMIT", None),
        max_retries=_int(settings, "SMTP_MAX_RETRIES", 3),
        backoff_base_s=_float(settings, "SMTP_BACKOFF_BASE", 1.0),
        ssl_context=ssl.create_default_context(cafile=ca_file) if ca_file else None,
        local_hostname=settings.get("SMTP_LOCAL_HOSTNAME") or None,
    )
