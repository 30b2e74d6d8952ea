"""The signed address of a sent digest's "view in your browser" page.

The token names one digest ledger row (``digest_sends.id``) of one site, the digest's date (the one in
its subject, so the page's heading matches the email) and the start of the hash of
the recipient's address, signed with SECRET_KEY under a salt of its own, so it opens that one digest and
nothing else: not another digest, not preferences, and nothing once the subscriber is erased (the row
goes with them) or has another address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer

from newsletter.tokens import TokenError

_SALT = "clinicreads.newsletter.digest-page"
_HASH_CHARS = 16


@dataclass(frozen=True)
class DigestPageToken:
    site_id: int
    send_id: int
    email_hash_prefix: str
    issue_date: date

    def matches(self, email_hash: str) -> bool:
        return email_hash[:_HASH_CHARS] == self.email_hash_prefix


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def make_page_token(secret: str, site_id: int, send_id: int, email_hash: str, issue_date: date) -> str:
    payload = {"s": site_id, "d": send_id, "h": email_hash[:_HASH_CHARS], "t": issue_date.isoformat()}
    return _serializer(secret).dumps(payload)


def read_page_token(secret: str, token: str, max_age_s: int, now: datetime | None = None) -> DigestPageToken:
    """The token's contents; :class:`TokenError` 404 when tampered or malformed, 410 when expired."""
    try:
        payload, issued = _serializer(secret).loads(token, return_timestamp=True)
    except BadSignature:
        raise TokenError(404, "invalid", "This link is not valid. It may have been copied incompletely.") from None
    if ((now or datetime.now(UTC)) - issued).total_seconds() > max_age_s:
        raise TokenError(410, "expired", "This email is no longer available online.")
    try:
        return DigestPageToken(
            int(payload["s"]), int(payload["d"]), str(payload["h"]), date.fromisoformat(str(payload["t"]))
        )
    except (KeyError, TypeError, ValueError):
        raise TokenError(404, "invalid", "This link is not valid.") from None


def page_url(base_url: str, slug: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/newsletter/{slug}/digest/{token}"
