"""Editors' accounts, sign-in with throttling, sessions and role checks for the admin pages.

Passwords are hashed with werkzeug's scrypt. Failed sign-ins are stored in the database, so the
limits hold across web workers. Two limits, neither of which can be used to lock a real editor
out of their account from a shared address:

- per account (the email, from any address): after ``ACCOUNT_FREE_FAILURES`` failures within
  ``WINDOW``, each further try waits a back-off that doubles from ``BACKOFF_FIRST`` up to
  ``BACKOFF_MAX`` after the latest failure; this slows guessing one password from many addresses.
- per address, on unknown accounts only: after ``MAX_UNKNOWN_PER_ADDRESS`` failures for emails
  that are no editor's within ``WINDOW``, every *wrong* answer from that address is a 429, while a
  right password of a real account still signs in (so made-up emails from a clinic's NAT lock no one out).

The session cookie carries the editor's id, a fingerprint of their password hash and their
session version: signing out, a new password or disabling the editor bumps or breaks them, so a
copied cookie stops working at once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask import Flask, abort, g, redirect, request, session, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from admin import totp
from admin.models import ROLES, Editor, LoginFailure
from service import audit
from service import db as database
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

MIN_PASSWORD_LENGTH = 10
ACCOUNT_FREE_FAILURES = 5  # per account (any address) within WINDOW before back-off starts
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=15)
MAX_UNKNOWN_PER_ADDRESS = 30  # failures for emails that are no editor's, from one address, within WINDOW
WINDOW = timedelta(minutes=15)
_DUMMY_HASH = generate_password_hash("not-a-real-password")


# --- accounts -------------------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    """A valid address, lower-cased; 422 otherwise."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ApiError(422, "invalid_email", str(exc), {"email": str(exc)}) from None


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        message = f"A password has at least {MIN_PASSWORD_LENGTH} characters."
        raise ApiError(422, "weak_password", message, {"password": message})
    return password


def create_editor(db: Session, site: Site, email: str, password: str, role: str = "editor", name: str = "") -> Editor:
    """Create an editor of ``site``; a taken email is a 409. Flushes, does not commit."""
    email = normalize_email(email)
    if role not in ROLES:
        raise ApiError(422, "invalid_role", f"Role is one of {', '.join(ROLES)}.", {"role": "unknown role"})
    check_password(password)
    if db.scalar(select(Editor.id).where(Editor.email == email)) is not None:
        raise ApiError(409, "editor_exists", "An editor with this email already exists.", {"email": "already used"})
    editor = Editor(
        site_id=site.id, email=email, name=name.strip(), role=role, password_hash=generate_password_hash(password)
    )
    db.add(editor)
    db.flush()
    log.info("editor %s created for site %s with role %s", editor.id, site.slug, role)
    audit.record(db, site.id, "editor", "created", f"{email} ({role})", editor.id)
    return editor


def set_password(db: Session, editor: Editor, password: str) -> None:
    """A new password; every open session of the editor ends."""
    editor.password_hash = generate_password_hash(check_password(password))
    editor.session_version += 1
    db.flush()
    audit.record(db, editor.site_id, "editor", "password set", editor.email, editor.id)


def invite_editor(db: Session, site: Site, email: str, role: str, name: str, acting: Editor) -> Editor:
    """An editor of ``site`` who chooses their own password through an invitation link. Until then the account
    has a random password nobody knows. Flushes, does not commit."""
    editor = create_editor(db, site, email, secrets.token_urlsafe(32), role, name)
    audit.record(db, site.id, "editor", "invited", f"{editor.email} ({role})", editor.id)
    log.info("editor %s invited by editor %s", editor.id, acting.id)
    return editor


def reinvite_editor(db: Session, site: Site, editor_id: int) -> Editor:
    """A new invitation for an editor of ``site`` who has never signed in: a new random password, so the links
    of earlier invitations stop working. Flushes, does not commit."""
    editor = db.get(Editor, editor_id)
    if editor is None or editor.site_id != site.id:
        raise ApiError(404, "unknown_editor", f"No editor {editor_id} on this site.")
    if editor.last_login_at is not None or editor.disabled_at is not None:
        raise ApiError(409, "not_invited", f"{editor.email} has signed in already or is disabled: no invitation.")
    editor.password_hash = generate_password_hash(secrets.token_urlsafe(32))
    db.flush()
    audit.record(db, site.id, "editor", "invited again", editor.email, editor.id)
    return editor


def set_password_from_link(db: Session, editor: Editor, password: str, purpose: str) -> None:
    """The password chosen through an invitation or reset link; the link and every session end with it, and the
    editor is signed in (unless a code is still owed)."""
    set_password(db, editor, password)
    if not editor.uses_totp:  # signed in by the link; with a second factor, only once the code is right
        editor.last_login_at = utcnow()
    what = "invitation accepted" if purpose == "invitation" else "password reset by email"
    audit.record(db, editor.site_id, "editor", what, editor.email, editor.id)


def set_disabled(db: Session, site: Site, editor_id: int, disabled: bool, acting: Editor) -> Editor:
    """Stop (or allow again) an editor of ``site`` signing in; their open sessions end at once."""
    editor = db.get(Editor, editor_id)
    if editor is None or editor.site_id != site.id:
        raise ApiError(404, "unknown_editor", f"No editor {editor_id} on this site.")
    if editor.id == acting.id:
        raise ApiError(409, "own_account", "You cannot disable your own account.")
    editor.disabled_at = utcnow() if disabled else None
    db.flush()
    audit.record(db, site.id, "editor", "disabled" if disabled else "enabled", editor.email, editor.id)
    log.info("editor %s %s by editor %s", editor.id, "disabled" if disabled else "enabled", acting.id)
    return editor


def change_own_password(db: Session, editor: Editor, current: str, new: str) -> None:
    """An editor's new password, given the one they have now (422 naming the field otherwise). Every session
    of the editor ends, their other devices' too."""
    if not check_password_hash(editor.password_hash, current or ""):
        message = "That is not your current password."
        raise ApiError(422, "wrong_password", message, {"current_password": message})
    if current == new:
        message = "Choose a password different from the one you have now."
        raise ApiError(422, "same_password", message, {"password": message})
    set_password(db, editor, new)


def set_role(db: Session, site: Site, editor_id: int, role: str, acting: Editor) -> Editor:
    """Make an editor of ``site`` an editor or an administrator; their open sessions keep working with the
    new role (it is read on every request). An administrator cannot change their own role, so a site always
    keeps the one who changed it."""
    if role not in ROLES:
        raise ApiError(422, "invalid_role", f"Role is one of {', '.join(ROLES)}.", {"role": "unknown role"})
    editor = db.get(Editor, editor_id)
    if editor is None or editor.site_id != site.id:
        raise ApiError(404, "unknown_editor", f"No editor {editor_id} on this site.")
    if editor.id == acting.id:
        raise ApiError(409, "own_account", "You cannot change your own role; ask another administrator.")
    if editor.role != role:
        before = editor.role
        editor.role = role
        db.flush()
        audit.record(db, site.id, "editor", "role changed", f"{editor.email}: {before} → {role}", editor.id)
    return editor


def site_editors(db: Session, site: Site) -> list[Editor]:
    return list(db.scalars(select(Editor).where(Editor.site_id == site.id).order_by(Editor.email)))


def editor_by_email(db: Session, email: str) -> Editor | None:
    return db.scalar(select(Editor).where(Editor.email == (email or "").strip().lower()))


# --- sign-in and throttling -----------------------------------------------------------------------------


@dataclass
class Throttled(Exception):
    """Too many failed sign-ins; ``seconds`` until the next try is accepted."""

    seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def account_wait(db: Session, email: str) -> timedelta | None:
    """How long sign-in to ``email`` must wait (back-off after repeated failures), or None.

    Computed the same whether or not the email is an editor's, so it tells nothing about accounts.
    """
    now = utcnow()
    count, latest = db.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.email == email, LoginFailure.at >= now - WINDOW
        )
    ).one()
    if count < ACCOUNT_FREE_FAILURES or latest is None:
        return None
    backoff = min(BACKOFF_FIRST * 2 ** min(count - ACCOUNT_FREE_FAILURES, 16), BACKOFF_MAX)
    remaining = latest + backoff - now
    return remaining if remaining > timedelta(0) else None


def address_wait(db: Session, ip: str) -> timedelta | None:
    """How long wrong answers from ``ip`` stay refused after many failures on unknown accounts, or None."""
    now = utcnow()
    count, oldest = db.execute(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.ip == ip,
            LoginFailure.at >= now - WINDOW,
            LoginFailure.email.not_in(select(Editor.email)),
        )
    ).one()
    if count < MAX_UNKNOWN_PER_ADDRESS or oldest is None:
        return None
    return max(oldest + WINDOW - now, timedelta(seconds=1))


def authenticate(db: Session, email: str, password: str, ip: str) -> Editor | None:
    """The editor whose email and password match, or None (a failure is recorded). Commits.

    Raises ``Throttled`` before checking anything while the account is in back-off, and after a
    wrong answer from an address that failed on too many unknown accounts.
    """
    email = (email or "").strip().lower()
    wait = account_wait(db, email)
    if wait is not None:
        log.warning("sign-in throttled: an account is in back-off after repeated failures")
        raise Throttled(_seconds(wait))
    editor = editor_by_email(db, email)
    hashed = editor.password_hash if editor is not None else _DUMMY_HASH
    valid = check_password_hash(hashed, password or "") and editor is not None and editor.disabled_at is None
    if editor is None or not valid:
        blocked = address_wait(db, ip)  # counted before this failure: the first MAX_UNKNOWN_PER_ADDRESS are answered
        db.add(LoginFailure(email=email[:320], ip=ip[:64], at=utcnow()))
        db.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - timedelta(days=1)))
        db.commit()
        log.info("failed sign-in")
        if blocked is not None:
            log.warning("sign-in throttled: an address failed on too many unknown accounts")
            raise Throttled(_seconds(blocked))
        return None
    if editor.uses_totp:  # failures stay counted until the code is right too
        log.info("editor %s gave the right password; a code is asked for", editor.id)
        return editor
    _signed_in(db, editor)
    return editor


def _signed_in(db: Session, editor: Editor) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.email == editor.email))
    editor.last_login_at = utcnow()
    db.commit()
    log.info("editor %s signed in", editor.id)


def authenticate_code(db: Session, editor: Editor, code: str, ip: str) -> bool:
    """The second step of sign-in for an editor who uses TOTP: whether ``code`` is right. Commits.

    A wrong code is a failed sign-in of the account (it counts toward the back-off, like a wrong password);
    ``Throttled`` is raised before checking while the account is in back-off.
    """
    wait = account_wait(db, editor.email)
    if wait is not None:
        log.warning("sign-in throttled: an account is in back-off after repeated failures")
        raise Throttled(_seconds(wait))
    if editor.disabled_at is None and totp.accept_code(editor, code):
        _signed_in(db, editor)
        return True
    db.add(LoginFailure(email=editor.email, ip=ip[:64], at=utcnow()))
    db.commit()
    log.info("failed sign-in: wrong code")
    return False


# --- sessions ---------------------------------------------------------------------------------------------


def _fingerprint(editor: Editor) -> str:
    return hashlib.sha256(editor.password_hash.encode()).hexdigest()[:16]


PENDING_SECONDS = 300  # between the right password and the code


def start_pending(editor: Editor) -> None:
    """Remember, for a few minutes, that this browser gave ``editor``'s password and owes a code."""
    session.clear()
    session["pending_editor_id"] = editor.id
    session["pending_fp"] = _fingerprint(editor)
    session["pending_at"] = int(utcnow().timestamp())


def pending_editor() -> Editor | None:
    """The editor whose password this browser gave within ``PENDING_SECONDS`` and who owes a code, or None."""
    editor_id, at = session.get("pending_editor_id"), session.get("pending_at")
    if not isinstance(editor_id, int) or not isinstance(at, int) or utcnow().timestamp() - at > PENDING_SECONDS:
        return None
    editor = database.session().get(Editor, editor_id)
    if editor is None or editor.disabled_at is not None or session.get("pending_fp") != _fingerprint(editor):
        return None
    return editor if editor.uses_totp else None


def start_session(editor: Editor) -> None:
    session.clear()
    session.permanent = True
    session["editor_id"] = editor.id
    session["editor_fp"] = _fingerprint(editor)
    session["editor_v"] = editor.session_version


def end_session(db: Session) -> None:
    """Sign out: bump the editor's session version (every copy of their cookie stops working). Commits."""
    editor = current_editor()
    if editor is not None:
        editor.session_version += 1
        db.commit()
        log.info("editor %s signed out", editor.id)
    session.clear()


def current_editor() -> Editor | None:
    """The signed-in editor of this request (cached on ``g``), or None."""
    if "editor" not in g:
        editor = None
        editor_id = session.get("editor_id")
        if isinstance(editor_id, int):
            editor = database.session().get(Editor, editor_id)
            if (
                editor is None
                or editor.disabled_at is not None
                or session.get("editor_fp") != _fingerprint(editor)
                or session.get("editor_v") != editor.session_version
            ):
                editor = None
        g.editor = editor
    return g.editor


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this service's admin pages (no open redirects)."""
    if target and target.startswith("/admin/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def require_editor(role: str = "editor") -> Callable[[F], F]:
    """Views under ``/admin/<site>/``: signed in (else to the sign-in page), own site (else 403), role (else 403).

    The view receives the Site as ``site`` in place of the slug; ``g.editor`` and ``g.site`` are set.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, site: str, **kwargs: Any) -> Any:
            editor = current_editor()
            if editor is None:
                return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
            if editor.site.slug != site:
                abort(403, "Your account belongs to another site.")
            if role == "admin" and not editor.is_admin:
                abort(403, "Only a site's administrators can open this page.")
            g.site = editor.site
            audit.act_as(database.session(), f"editor {editor.email}")
            return view(*args, site=editor.site, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def init_app(app: Flask) -> None:
    """Session cookie settings: HttpOnly, SameSite=Lax, Secure on https, a limited lifetime."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if str(app.config.get("PUBLIC_BASE_URL", "")).startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    lifetime = timedelta(hours=float(app.config.get("ADMIN_SESSION_HOURS", 8)))
    app.config["PERMANENT_SESSION_LIFETIME"] = lifetime
    # a form's CSRF token lasts as long as a session (Flask-WTF's default hour would fail a form left open)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", int(lifetime.total_seconds()))
