"""API keys: random, shown once, stored as a SHA-256 hash, scoped to one site, revocable, limited to scopes.

A key looks like ``cr_<prefix>_<secret>``. The prefix finds the row; the hash of the whole
key is compared in constant time. Keys carry 256 bits of randomness, so a fast hash is
enough (a slow password hash would only slow every API call).

Each key carries scopes (:data:`SCOPES`): ``content`` (articles, feeds, related lists, synonyms, reader
topics, clicks), ``subscribers`` (subscribers, digests, exports, reading history: health data) and
``settings`` (the site's options). A new key gets ``content`` only unless more are asked for.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from flask import g, request
from sqlalchemy import ForeignKey, Integer, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from service import audit
from service import db as database
from service.db import Base, UTCDateTime, utcnow
from service.errors import ApiError
from service.sites import Site

F = TypeVar("F", bound=Callable[..., Any])

#: every scope a key may carry, in display order
SCOPES: tuple[str, ...] = ("content", "subscribers", "settings")
DEFAULT_SCOPES: tuple[str, ...] = ("content",)


def parse_scopes(values: Iterable[str]) -> tuple[str, ...]:
    """Known scopes in :data:`SCOPES` order (comma-separated values allowed); ValueError names an unknown one."""
    wanted = {part.strip().lower() for value in values for part in value.split(",") if part.strip()}
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise ValueError(f"Unknown scope {', '.join(unknown)}; choose from {', '.join(SCOPES)}.")
    return tuple(scope for scope in SCOPES if scope in wanted) or DEFAULT_SCOPES


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
    #: comma-separated names from :data:`SCOPES`
    scopes: Mapped[str] = mapped_column(String(100), default="content", server_default=text("'content'"))

    site: Mapped[Site] = relationship(lazy="joined")

    @property
    def scope_list(self) -> tuple[str, ...]:
        held = {part for part in (self.scopes or "").split(",") if part}
        return tuple(scope for scope in SCOPES if scope in held)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(
    db: Session, site: Site, name: str = "", scopes: Iterable[str] = DEFAULT_SCOPES
) -> tuple[ApiKey, str]:
    """Create a key for ``site`` with ``scopes`` (content only by default); returns the row and the plain key,
    which is never stored. ValueError for an unknown scope."""
    held = parse_scopes(scopes)
    prefix = secrets.token_hex(6)
    plain = f"cr_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(site_id=site.id, name=name, prefix=prefix, key_hash=_hash(plain), scopes=",".join(held))
    db.add(key)
    db.flush()
    label = f"“{name}”" if name else f"cr_{prefix}_…"
    audit.record(db, site.id, "key", "created", f"{label}, scopes {', '.join(held)}", key.id)
    return key, plain


def revoke_api_key(db: Session, key_id: int) -> ApiKey:
    key = db.get(ApiKey, key_id)
    if key is None:
        raise ApiError(404, "unknown_key", f"No API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(db, key.site_id, "key", "revoked", f"“{key.name}”" if key.name else f"cr_{key.prefix}_…", key.id)
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


def require_api_key(view: F | None = None, *, scope: str = "content") -> Any:
    """Authenticate the request's key and check it holds ``scope``; the view reads the key's site from ``g.site``.

    Use bare (``@require_api_key``: the ``content`` scope) or with a scope (``@require_api_key(scope="subscribers")``).
    A valid key without the scope gets 403 ``insufficient_scope``.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(inner: F) -> F:
        @functools.wraps(inner)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            db = database.session()
            key = verify_api_key(db, _bearer_token())
            if key is None:
                raise ApiError(401, "invalid_api_key", "This API key is unknown or has been revoked.")
            if scope not in key.scope_list:
                raise ApiError(
                    403, "insufficient_scope", f"This API key does not have the '{scope}' scope this request needs."
                )
            now = utcnow()
            if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
                key.last_used_at = now  # at most one write a minute per key
                db.commit()
            g.api_key = key
            g.site = key.site
            audit.act_as(db, f"API key “{key.name}”" if key.name else f"API key cr_{key.prefix}_…")
            return inner(*args, **kwargs)

        wrapper.api_scope = scope  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate
