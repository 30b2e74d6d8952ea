"""Where a followed link may send a reader straight away: only to the site's own hosts.

The hosts of the site's allowed origins count as its own. They are set by the site's administrators only
(admin pages, ``sites`` CLI), whereas any API key can give an article any URL: deciding by the hosts of
stored article URLs would let anyone holding a key turn this service's ``/r/`` and digest links into
redirects to a site of their choosing. An article on any other host is reached through a page that names
the host and links to it, never by an automatic redirect.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def host_of(url: str) -> str | None:
    """The lower-cased host of an http(s) URL (no trailing dot), or None for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.rstrip(".").lower()


def own_hosts(origins: Iterable[str]) -> frozenset[str]:
    return frozenset(host for host in (host_of(origin) for origin in origins) if host)


def is_own(url: str, origins: Iterable[str]) -> bool:
    """True when ``url`` is http(s) on one of the hosts of ``origins``."""
    host = host_of(url)
    return host is not None and host in own_hosts(origins)
