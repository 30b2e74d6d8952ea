"""API keys: random, shown once, stored as a SHA-256 hash, scoped to one site, revocable.

A key looks like ``cr_<prefix>_<secret>``. The prefix finds the row; the hash of the whole
key is compared in constant time. Keys carry 256 bits of randomness, so a fast hash is
enough (a slow password hash would only slow every API call).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import g, request
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from service import db as database
from service.db import Base, UTCDateTime, utcnow
from service.errors import ApiError
from service.sites import Site

F = TypeVar("F", bound=Callable[..., Any])


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(lazy="joined")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(db: Session, site: Site, name: str = "") -> tuple[ApiKey, str]:
    """Create a key for ``site``; returns the row and the plain key, which is never stored."""
    prefix = secrets.token_hex(6)
    plain = f"cr_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(site_id=site.id, name=name, prefix=prefix, key_hash=_hash(plain))
    db.add(key)
    db.flush()
    return key, plain


def revoke_api_key(db: Session, key_id: int) -> ApiKey:
    key = db.get(ApiKey, key_id)
    if key is None:
        raise ApiError(404, "unknown_key", f"No API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def verify_api_key(db: Session, plain: str) -> ApiKey | None:
    """The live key matching ``plain``, or None."""
    parts = plain.split("_")
    if len(parts) < 3 or parts[0] != "cr":
        return None
    key = db.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, _hash(plain)):
        return None
    return key


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "missing_api_key", "Send your API key as 'Authorization: Bearer <key>'.")
    return token.strip()


def require_api_key(view: F) -> F:
    """Authenticate the request's key; the view reads the key's site from ``g.site``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        db = database.session()
        key = verify_api_key(db, _bearer_token())
        if key is None:
            raise ApiError(401, "invalid_api_key", "This API key is unknown or has been revoked.")
        now = utcnow()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            key.last_used_at = now  # at most one write a minute per key
            db.commit()
        g.api_key = key
        g.site = key.site
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
