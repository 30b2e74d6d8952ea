"""Editors' accounts, sign-in with throttling, sessions and role checks for the admin pages.

Passwords are hashed with werkzeug's scrypt. Failed sign-ins are stored in the database, so the
limit (``MAX_FAILURES`` per email and address in ``WINDOW``) holds across web workers. A session
cookie carries only the editor's id and a fingerprint of their password hash: changing a password
or disabling an editor ends their sessions.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from flask import Flask, abort, g, redirect, request, session, url_for
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from admin.models import ROLES, Editor, LoginFailure
from service import db as database
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

MIN_PASSWORD_LENGTH = 10
MAX_FAILURES = 5  # per email and address within WINDOW
MAX_FAILURES_PER_IP = 30  # any emails, from one address, within WINDOW
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
    return editor


def set_password(db: Session, editor: Editor, password: str) -> None:
    editor.password_hash = generate_password_hash(check_password(password))
    db.flush()


def set_disabled(db: Session, site: Site, editor_id: int, disabled: bool, acting: Editor) -> Editor:
    """Stop (or allow again) an editor of ``site`` signing in; their open sessions end at once."""
    editor = db.get(Editor, editor_id)
    if editor is None or editor.site_id != site.id:
        raise ApiError(404, "unknown_editor", f"No editor {editor_id} on this site.")
    if editor.id == acting.id:
        raise ApiError(409, "own_account", "You cannot disable your own account.")
    editor.disabled_at = utcnow() if disabled else None
    db.flush()
    log.info("editor %s %s by editor %s", editor.id, "disabled" if disabled else "enabled", acting.id)
    return editor


def site_editors(db: Session, site: Site) -> list[Editor]:
    return list(db.scalars(select(Editor).where(Editor.site_id == site.id).order_by(Editor.email)))


def editor_by_email(db: Session, email: str) -> Editor | None:
    return db.scalar(select(Editor).where(Editor.email == (email or "").strip().lower()))


# --- sign-in and throttling -----------------------------------------------------------------------------


@dataclass
class Throttled(Exception):
    """Too many failed sign-ins; ``minutes`` until the next try is accepted."""

    minutes: int


def _retry_minutes(db: Session, email: str, ip: str) -> int | None:
    """Minutes until sign-in is accepted again for ``email`` from ``ip``, or None when it is now."""
    since = utcnow() - WINDOW
    recent = (LoginFailure.ip == ip) & (LoginFailure.at >= since)
    pair = db.execute(select(func.count(), func.min(LoginFailure.at)).where(recent, LoginFailure.email == email)).one()
    per_ip = db.execute(select(func.count(), func.min(LoginFailure.at)).where(recent)).one()
    checks = ((pair, MAX_FAILURES), (per_ip, MAX_FAILURES_PER_IP))
    blocking = [oldest for (count, oldest), limit in checks if count >= limit]
    if not blocking:
        return None
    wait = (min(blocking) + WINDOW - utcnow()).total_seconds()
    return max(1, math.ceil(wait / 60))


def authenticate(db: Session, email: str, password: str, ip: str) -> Editor | None:
    """The editor whose email and password match, or None (a failure is recorded). Commits.

    Raises ``Throttled`` before checking anything when too many recent attempts failed.
    """
    email = (email or "").strip().lower()
    minutes = _retry_minutes(db, email, ip)
    if minutes is not None:
        log.warning("sign-in throttled for an address after repeated failures")
        raise Throttled(minutes)
    editor = editor_by_email(db, email)
    hashed = editor.password_hash if editor is not None else _DUMMY_HASH
    valid = check_password_hash(hashed, password or "") and editor is not None and editor.disabled_at is None
    if editor is None or not valid:
        db.add(LoginFailure(email=email[:320], ip=ip[:64], at=utcnow()))
        db.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - timedelta(days=1)))
        db.commit()
        log.info("failed sign-in")
        return None
    db.execute(delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.ip == ip))
    editor.last_login_at = utcnow()
    db.commit()
    log.info("editor %s signed in", editor.id)
    return editor


# --- sessions ---------------------------------------------------------------------------------------------


def _fingerprint(editor: Editor) -> str:
    return hashlib.sha256(editor.password_hash.encode()).hexdigest()[:16]


def start_session(editor: Editor) -> None:
    session.clear()
    session.permanent = True
    session["editor_id"] = editor.id
    session["editor_fp"] = _fingerprint(editor)


def end_session() -> None:
    session.clear()


def current_editor() -> Editor | None:
    """The signed-in editor of this request (cached on ``g``), or None."""
    if "editor" not in g:
        editor = None
        editor_id = session.get("editor_id")
        if isinstance(editor_id, int):
            editor = database.session().get(Editor, editor_id)
            if editor is None or editor.disabled_at is not None or session.get("editor_fp") != _fingerprint(editor):
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
