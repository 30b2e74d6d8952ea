"""Signed, expiring, single-purpose tokens for the links in subscribers' emails.

A token carries the site id, the subscriber id and the start of the hash of the
subscriber's address, signed with SECRET_KEY and a salt per purpose (a confirm token
cannot unsubscribe, an unsubscribe token cannot open preferences). The hash part means
that an id re-used after erasure never matches someone else's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer

PURPOSES = ("confirm", "preferences", "unsubscribe")
_HASH_CHARS = 16


class TokenError(Exception):
    """A link that cannot be used: ``status`` 400 (tampered, expired, wrong purpose) or 404."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class TokenData:
    site_id: int
    subscriber_id: int
    email_hash_prefix: str
    issued_at: datetime

    def matches(self, email_hash: str) -> bool:
        return email_hash[:_HASH_CHARS] == self.email_hash_prefix


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(secret, salt=f"clinicreads.newsletter.{purpose}")


def make_token(secret: str, purpose: str, site_id: int, subscriber_id: int, email_hash: str) -> str:
    """A URL-safe token for ``purpose`` naming this subscriber."""
    payload = {"s": site_id, "u": subscriber_id, "h": email_hash[:_HASH_CHARS]}
    return _serializer(secret, purpose).dumps(payload)


def read_token(secret: str, purpose: str, token: str, max_age_s: int, now: datetime | None = None) -> TokenData:
    """The token's contents; raises :class:`TokenError` when tampered, for another purpose, or older
    than ``max_age_s`` at ``now`` (default: the current time)."""
    try:
        payload, issued = _serializer(secret, purpose).loads(token, return_timestamp=True)
    except BadSignature:
        raise TokenError(400, "invalid", "This link is not valid. It may have been copied incompletely.") from None
    now = now or datetime.now(UTC)
    if (now - issued).total_seconds() > max_age_s:
        raise TokenError(400, "expired", "This link has expired.")
    try:
        data = TokenData(int(payload["s"]), int(payload["u"]), str(payload["h"]), issued)
    except (KeyError, TypeError, ValueError):
        raise TokenError(400, "invalid", "This link is not valid.") from None
    return data
