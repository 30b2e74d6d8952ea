"""Editors' account emails (invitation, password reset): plain text, sent on a background thread so a web
request never waits on the mail server, and so a reset request takes the same time whether or not the address
is an editor's."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from newsletter.mail import MailBackendError, make_backend
from service.db import utcnow
from service.sites import Site

log = logging.getLogger(__name__)


def _sender(site: Site, base_url: str) -> Address:
    host = (urlsplit(base_url).hostname or "").lower()
    domain = host if "." in host and not host.replace(".", "").isdigit() else "localhost"
    return Address(display_name=f"{site.name} (Clinic Reads)", addr_spec=site.from_email or f"no-reply@{domain}")


def build_account_message(site: Site, base_url: str, to: str, subject: str, text: str) -> EmailMessage:
    sender = _sender(site, base_url)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=sender.domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    return msg


def invitation_text(site: Site, link: str, invited_by: str) -> str:
    return (
        f"{invited_by} has invited you to edit {site.name}'s patient-education articles in Clinic Reads.\n\n"
        f"Choose your password here (the link works once, for 7 days):\n\n{link}\n\n"
        "If you did not expect this email, you can ignore it.\n"
    )


def reset_text(site: Site, link: str) -> str:
    return (
        f"Someone, hopefully you, asked to reset your Clinic Reads password for {site.name}.\n\n"
        f"Choose a new password here (the link works once, for 1 hour):\n\n{link}\n\n"
        "If you did not ask, ignore this email: your password stays as it is.\n"
    )


def _send(config: Mapping[str, Any], msg: EmailMessage, kind: str) -> None:
    try:
        with make_backend(config) as backend:
            result = backend.send(msg)
    except (MailBackendError, OSError, ValueError) as exc:
        log.error("%s email could not be sent: %s", kind, type(exc).__name__)
        return
    if not result.ok:
        log.error("%s email was refused by the mail server (code %s)", kind, result.code)


def send_in_background(config: Mapping[str, Any], msg: EmailMessage, kind: str) -> threading.Thread:
    """Send ``msg`` on a daemon thread with a copy of the settings; failures are logged (never the address)."""
    thread = threading.Thread(target=_send, args=(dict(config), msg, kind), name=f"{kind}-mail", daemon=True)
    thread.start()
    return thread
