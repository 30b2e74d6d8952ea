"""Secrets the service must read back (not only check), stored encrypted under a key derived from ``SECRET_KEY``.

A hash cannot serve here: an editor's TOTP secret must be read to check a code. A database dump or backup without
the secret key therefore holds no usable second factor. Values are Fernet tokens (AES-128-CBC with an HMAC-SHA256)
behind a version prefix; a value without the prefix is an older plain one, read as it is and sealed when next
written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "sealed1:"


class SealedValueError(ValueError):
    """A sealed value that the current ``SECRET_KEY`` cannot open (the key changed, or the value was altered)."""


def _fernet(secret_key: str, purpose: str) -> Fernet:
    key = hmac.new(secret_key.encode(), f"clinicreads sealed {purpose} v1".encode(), hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str, secret_key: str, purpose: str) -> str:
    """``value`` encrypted for storage; ``purpose`` keeps values of one kind from opening as another."""
    return PREFIX + _fernet(secret_key, purpose).encrypt(value.encode()).decode()


def unseal(stored: str, secret_key: str, purpose: str) -> str:
    """The value ``seal`` stored (an older unsealed value is returned as it is)."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet(secret_key, purpose).decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as exc:
        raise SealedValueError(f"a sealed {purpose} does not open with this SECRET_KEY") from exc


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
