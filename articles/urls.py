"""Canonical article URLs: one spelling per page, so a page's own address finds its article."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl", "igshid", "yclid"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidUrl(ValueError):
    pass


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMS


def canonicalize_url(url: str) -> str:
    """Absolute http(s) URL with lower-case scheme and host, no default port, fragment or tracking parameters."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidUrl("must be an absolute http(s) URL")
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def url_key(url: str) -> str:
    """The lookup key of a page address: canonical, then without scheme and trailing slash."""
    canonical = canonicalize_url(url)
    without_scheme = canonical.split("://", 1)[1]
    path, sep, query = without_scheme.partition("?")
    path = path.rstrip("/") or path
    return path + (sep + query if query else "")
