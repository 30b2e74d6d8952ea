"""Build a ready-to-send ``EmailMessage``: text + HTML alternatives and list headers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from .branding import Branding
from .headers import MAIL_POLICY
from .render import render
from .safety import check_address, check_header_text, check_url


def _mailto(value: str) -> str:
    """Normalise ``addr`` or ``mailto:addr?subject=...`` to a safe mailto URI."""
    check_header_text(value, "unsubscribe_mailto")
    uri = value if value.lower().startswith("mailto:") else f"mailto:{value}"
    if any(ch.isspace() or ch in '<>",' for ch in uri):
        raise ValueError('unsubscribe_mailto must not contain spaces, <, >, " or commas')
    address = urlsplit(uri).path
    check_address(address, "unsubscribe_mailto")
    return uri


def build_message(
    kind: str,
    branding: Branding,
    to: str,
    context: Mapping[str, Any],
    unsubscribe_url: str,
    unsubscribe_mailto: str | None = None,
    *,
    now: datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """Render ``kind`` for one recipient and return a multipart/alternative message.

    ``unsubscribe_url`` must be https (http only for localhost) and must answer a
    POST with ``List-Unsubscribe=One-Click`` (RFC 8058). ``unsubscribe_mailto`` is an
    address or ``mailto:`` URI, or None to offer only the URL. Raises ``ValueError``
    for any bad input, including CR/LF in anything that reaches a header.
    ``message_id``: the Message-ID to carry (one chosen earlier, see ``new_message_id``); a new one when None.
    """
    to_address = check_address(to, "to")
    check_url(unsubscribe_url, "unsubscribe_url", https_only=True)
    mailto = _mailto(unsubscribe_mailto) if unsubscribe_mailto is not None else None
    rendered = render(kind, branding, context, unsubscribe_url)
    check_header_text(rendered.subject, "subject")

    when = now if now is not None else datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("now must be timezone-aware")

    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = Address(display_name=branding.site_name, addr_spec=branding.from_address)
    if branding.reply_to:
        msg["Reply-To"] = Address(display_name=branding.site_name, addr_spec=branding.reply_to)
    msg["To"] = to_address
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(when.astimezone(UTC))
    if message_id is not None:
        check_header_text(message_id, "message_id")
    msg["Message-ID"] = message_id or new_message_id(branding)
    msg["List-Id"] = f"{_phrase(branding.site_name)} <{branding.list_id}>"
    targets = [f"<{unsubscribe_url}>"] + ([f"<{mailto}>"] if mailto else [])
    msg["List-Unsubscribe"] = ", ".join(targets)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg


def new_message_id(branding: Branding) -> str:
    """A fresh Message-ID in the sender's domain, e.g. to record before the message is built."""
    return make_msgid(domain=branding.from_address.rsplit("@", 1)[1])


def _phrase(name: str) -> str:
    """The display name of List-Id as ASCII: RFC 2047 encoded words when it is not ASCII (the phrase may be
    encoded; the ``<id>`` after it may not), quoted when it has specials."""
    if not name.isascii():
        return Header(name, "utf-8", maxlinelen=75).encode(linesep=" ")  # RFC 2047: 75 characters a word
    if all(ch.isalnum() or ch in " -_.'!#$%&*+/=?^`{|}~" for ch in name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
