"""Host aliases of a site: other hosts (staging, www variants) whose pages are the canonical host's articles.

Stored in the site option ``host_aliases`` as ``{"alias host": "canonical host"}``. The widget's lookup tries
the canonical host when a page address on an alias host finds no article, so a page served from
``staging.clinic.example`` shows the lists of the articles imported as ``www.clinic.example``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

HOST_PATTERN = re.compile(
    r"^(?=.{1,253}(?::\d{1,5})?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$"
)
MAX_ALIASES = 50


def _host(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("Enter host names as text.")
    host = value.strip().lower().rstrip("/")
    if "://" in host:
        host = host.split("://", 1)[1].rstrip("/")
    if not HOST_PATTERN.match(host):
        raise ValueError(f"{value.strip()!r} is not a host name such as staging.yourclinic.example.")
    return host


def parse_alias_lines(text: str) -> dict[str, str]:
    """``alias = canonical`` lines (blank lines ignored) as a mapping; ``ValueError`` names the bad line."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        alias, sep, canonical = line.partition("=")
        if not sep:
            raise ValueError(f"Line {number}: write the alias, an equals sign and the canonical host.")
        pairs[alias.strip()] = canonical.strip()
    return check_host_aliases(pairs)


def check_host_aliases(value: Any) -> dict[str, str]:
    """A mapping of alias host to canonical host (lower case, no scheme or path), at most :data:`MAX_ALIASES`."""
    if value is None:
        return {}
    if isinstance(value, str):
        return parse_alias_lines(value)
    if not isinstance(value, Mapping):
        raise ValueError("Give host aliases as a mapping of alias host to canonical host.")
    if len(value) > MAX_ALIASES:
        raise ValueError(f"Use at most {MAX_ALIASES} host aliases.")
    clean: dict[str, str] = {}
    for alias, canonical in value.items():
        alias_host, canonical_host = _host(alias), _host(canonical)
        if alias_host == canonical_host:
            raise ValueError(f"{alias_host} cannot be an alias of itself.")
        clean[alias_host] = canonical_host
    chained = sorted(set(clean) & set(clean.values()))
    if chained:
        raise ValueError(
            f"{chained[0]} is both an alias and a canonical host; point every alias at the canonical host."
        )
    return clean


def alias_lines(aliases: Mapping[str, str]) -> str:
    """The mapping as the ``alias = canonical`` lines editors type."""
    return "\n".join(f"{alias} = {canonical}" for alias, canonical in sorted(aliases.items()))


def resolve_key(key: str, aliases: Mapping[str, str]) -> str | None:
    """A page's lookup key (``host/path?query``) with an alias host replaced by its canonical host, or None."""
    host, slash, rest = key.partition("/")
    host, qmark, query = host.partition("?") if not slash else (host, "", "")
    canonical = aliases.get(host)
    if canonical is None:
        return None
    return canonical + slash + rest + qmark + query
