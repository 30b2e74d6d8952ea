"""The optional second factor of editors' sign-in: time-based one-time codes (TOTP, RFC 6238) from an
authenticator app.

Turning it on is two steps: a new secret is stored unconfirmed and shown once (as text and an ``otpauth://``
URI), then a current code from the app confirms it. From then on the secret is never shown again, and sign-in
asks for a code after the password. A code is accepted for the current 30-second step and one step either side
(clock drift), and never twice: the step of the last accepted code is kept. The secret is stored sealed
(``service.sealed``, under a key derived from ``SECRET_KEY``), so a copy of the database alone gives no codes.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime

import pyotp
from flask import current_app
from sqlalchemy.orm import Session

from admin.models import Editor
from service import audit
from service.db import utcnow
from service.errors import ApiError
from service.sealed import SealedValueError, is_sealed, seal, unseal
from service.sites import Site

log = logging.getLogger(__name__)

ISSUER = "Clinic Reads"
WRONG_CODE = "That code is not right. Enter the 6 digits your authenticator app shows now."
_PURPOSE = "totp secret"


def _seal(secret: str) -> str:
    return seal(secret, current_app.config["SECRET_KEY"], _PURPOSE)


def plain_secret(editor: Editor) -> str | None:
    """The editor's secret as the authenticator app has it, or None (none stored, or it does not open with the
    current ``SECRET_KEY``: an administrator then turns the factor off and the editor sets it up again)."""
    if not editor.totp_secret:
        return None
    try:
        return unseal(editor.totp_secret, current_app.config["SECRET_KEY"], _PURPOSE)
    except SealedValueError:
        log.warning("the two-step secret of editor %s does not open with this SECRET_KEY", editor.id)
        return None


def start(db: Session, editor: Editor) -> str:
    """A new, not yet confirmed secret for ``editor`` (409 when the second factor is on already). Flushes."""
    if editor.uses_totp:
        raise ApiError(409, "totp_on", "Two-step sign-in is on already.")
    secret = pyotp.random_base32()
    editor.totp_secret = _seal(secret)
    editor.totp_last_step = None
    db.flush()
    return secret


def provisioning_uri(editor: Editor) -> str:
    """The ``otpauth://`` URI an authenticator app reads (as text or a QR code) while turning the factor on."""
    secret = plain_secret(editor)
    if secret is None or editor.uses_totp:
        raise ValueError("the secret is shown only while two-step sign-in is being turned on")
    return pyotp.TOTP(secret).provisioning_uri(name=editor.email, issuer_name=f"{ISSUER} {editor.site.name}")


def accept_code(editor: Editor, code: str, now: datetime | None = None) -> bool:
    """Whether ``code`` is a current code of the editor's secret not used before; remembers its step if so."""
    digits = "".join((code or "").split())
    secret = plain_secret(editor)
    if secret is None or len(digits) != 6 or not digits.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits) and step > (editor.totp_last_step or -1):
            editor.totp_last_step = step
            if not is_sealed(editor.totp_secret or ""):  # stored before secrets were sealed
                editor.totp_secret = _seal(secret)
            return True
    return False


def confirm(db: Session, editor: Editor, code: str) -> None:
    """Turn the second factor on with a current code of the new secret (422 naming the field otherwise)."""
    if editor.uses_totp:
        raise ApiError(409, "totp_on", "Two-step sign-in is on already.")
    if not accept_code(editor, code):
        raise ApiError(422, "wrong_code", WRONG_CODE, {"code": WRONG_CODE})
    editor.totp_enabled_at = utcnow()
    db.flush()
    audit.record(db, editor.site_id, "editor", "two-step sign-in turned on", editor.email, editor.id)


def turn_off_own(db: Session, editor: Editor, code: str) -> None:
    """The editor turns their second factor off, proving it with a current code."""
    if not editor.uses_totp:
        raise ApiError(409, "totp_off", "Two-step sign-in is off already.")
    if not accept_code(editor, code):
        raise ApiError(422, "wrong_code", WRONG_CODE, {"code": WRONG_CODE})
    _clear(editor)
    db.flush()
    audit.record(db, editor.site_id, "editor", "two-step sign-in turned off", editor.email, editor.id)


def turn_off_for(db: Session, site: Site, editor_id: int) -> Editor:
    """An administrator turns an editor's second factor off (e.g. a lost phone); the editor's sessions end."""
    editor = db.get(Editor, editor_id)
    if editor is None or editor.site_id != site.id:
        raise ApiError(404, "unknown_editor", f"No editor {editor_id} on this site.")
    if not editor.uses_totp:
        raise ApiError(409, "totp_off", f"{editor.email} does not use two-step sign-in.")
    _clear(editor)
    editor.session_version += 1
    db.flush()
    audit.record(
        db, site.id, "editor", "two-step sign-in turned off", f"{editor.email} (by an administrator)", editor.id
    )
    return editor


def _clear(editor: Editor) -> None:
    editor.totp_secret = None
    editor.totp_enabled_at = None
    editor.totp_last_step = None
