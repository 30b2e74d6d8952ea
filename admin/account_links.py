"""One-time links in editors' account emails: the invitation (set a first password) and the password reset.

A link carries the editor's id and a fingerprint of their password hash and session version, signed with
SECRET_KEY and a salt per purpose (an invitation link cannot reset a password and the other way round). Setting
a password changes the hash, so a link works once; an invitation sent again replaces the random password the
invitee was created with, so only the newest invitation works. Nothing is stored for a link.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from admin.models import Editor

INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
LIFETIMES = {"invitation": INVITATION_LIFETIME, "reset": RESET_LIFETIME}


@dataclass
class LinkError(Exception):
    """A link that cannot be used; ``message`` is for the person who opened it."""

    status: int
    reason: str
    message: str


def _serializer(secret: str, purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
    """The purpose's serializer; ``now`` (default: the clock) is the time links are issued or read at."""
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    signer: type[TimestampSigner] = TimestampSigner
    if now is not None:
        at = int(now.timestamp())
        signer = type("FixedTimeSigner", (TimestampSigner,), {"get_timestamp": lambda self: at})
    return URLSafeTimedSerializer(secret, salt=f"clinicreads.admin.{purpose}", signer=signer)


def _fingerprint(editor: Editor) -> str:
    return hashlib.sha256(f"{editor.password_hash}\0{editor.session_version}".encode()).hexdigest()[:24]


def make_link_token(secret: str, purpose: str, editor: Editor, now: datetime | None = None) -> str:
    """A URL-safe token for ``purpose`` that stops working once the editor's password changes."""
    return _serializer(secret, purpose, now).dumps({"e": editor.id, "f": _fingerprint(editor)})


def read_link_token(db: Session, secret: str, purpose: str, token: str, now: datetime | None = None) -> Editor:
    """The editor the token names, while it is fresh, unused and the account is enabled; LinkError otherwise."""
    lifetime = LIFETIMES[purpose]
    try:
        payload = _serializer(secret, purpose, now).loads(token, max_age=int(lifetime.total_seconds()))
    except SignatureExpired:
        raise LinkError(410, "expired", "This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise LinkError(400, "invalid", "This link is not valid. It may have been copied incompletely.") from None
    editor = db.get(Editor, payload.get("e")) if isinstance(payload, dict) else None
    if editor is None or editor.disabled_at is not None:
        raise LinkError(410, "gone", "This link no longer works: the account it was for is closed.")
    if payload.get("f") != _fingerprint(editor):
        message = "This link has been used already, or a newer one replaced it. Each link works once."
        raise LinkError(410, "used", message)
    return editor
