"""Checks that keep headers and links safe: no CR/LF, real addresses, http(s) URLs."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address
from urllib.parse import urlsplit

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def check_header_text(value: str, name: str) -> str:
    """Reject non-strings and any CR, LF or NUL (header injection)."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if any(ch in value for ch in "\r\n\x00"):
        raise ValueError(f"{name} must not contain line breaks")
    return value


def check_address(value: str, name: str = "address") -> Address:
    """Parse one bare address (``user@domain``); raise ``ValueError`` otherwise."""
    check_header_text(value, name)
    if value.count("@") != 1 or any(ch in value for ch in ' <>,;"()\t'):
        raise ValueError(f"{name} is not a single email address")
    local, domain = value.split("@")
    if not local or not domain or "." not in domain.strip(".") and domain != "localhost":
        raise ValueError(f"{name} is not a valid email address")
    try:
        return Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise ValueError(f"{name} is not a valid email address") from exc


def check_url(value: str, name: str = "url", *, https_only: bool = False) -> str:
    """Allow only absolute http(s) URLs without whitespace; ``https_only`` permits
    plain http for localhost alone (development)."""
    check_header_text(value, name)
    if any(ch.isspace() or ch in "<>\"'\\`" for ch in value):
        raise ValueError(f"{name} must not contain whitespace, quotes, <, > or backslashes")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an absolute http(s) URL")
    if https_only and parts.scheme != "https" and parts.hostname not in _LOCAL_HOSTS:
        raise ValueError(f"{name} must use https")
    return value
