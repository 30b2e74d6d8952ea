"""Which hosts and addresses the feed importer may reach.

A feed URL is fetched by the server, so it must not be a way into the server's own network. Host names are
first brought to their ASCII form with IDNA/UTS-46 (what resolvers and HTTP clients do with them), so
``１２７.０.０.１`` or ``ｌｏｃａｌｈｏｓｔ`` are checked as ``127.0.0.1`` and ``localhost``. An address is refused
when it is loopback, private, link-local, unspecified, reserved, multicast or shared (carrier-grade NAT), IPv4
inside IPv6 (mapped, NAT64, 6to4) included, unless it is in one of the networks a deployment allows
(``FEEDS_ALLOWED_NETWORKS``, e.g. an intranet server that publishes a clinic's feed).

Literal checks (``is_refused_host``) need no network; ``refused_addresses`` resolves the name. The connection
itself (``articles.feeds.safe_connect``) checks the addresses it connects to, which is what counts: a name may
resolve differently at each lookup.
"""

from __future__ import annotations

import ipaddress
import socket

import idna

__all__ = [
    "Networks",
    "RefusedAddress",
    "is_refused_host",
    "is_refused_ip",
    "normalise_host",
    "parse_networks",
    "refused_addresses",
    "REFUSED_REASON",
]

REFUSED_REASON = "the host is localhost or a private, loopback or link-local address"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(OSError):
    """A connection to a refused address was not made."""

    def __init__(self, host: str, addresses: list[str]) -> None:
        super().__init__(f"refused: {host} resolves to a private, loopback or link-local address ({addresses[0]})")
        self.host = host
        self.addresses = addresses


def normalise_host(host: str) -> str:
    """The host as it is looked up: brackets and a final dot removed, IDNA/UTS-46 mapped, lower case.

    Raises ValueError for a name that is not a valid host name.
    """
    host = host.strip().strip("[]")
    if ":" in host:  # an IPv6 literal
        return host.lower()
    host = host.rstrip(".")
    try:
        return idna.encode(host, uts46=True).decode("ascii").rstrip(".").lower()
    except idna.IDNAError as exc:
        if host.isascii():
            return host.lower()  # names such as "my_host" resolve although IDNA 2008 refuses them
        raise ValueError(f"invalid host name: {exc}") from None


def parse_networks(text: str | None) -> Networks:
    """Networks from a comma-separated list (``"10.20.0.0/16, 192.168.1.7"``); ValueError for a bad one."""
    out = []
    for part in (text or "").split(","):
        if part.strip():
            out.append(ipaddress.ip_network(part.strip(), strict=False))
    return tuple(out)


def is_refused_ip(address: IPAddress, allowed: Networks = ()) -> bool:
    """True for an address the importer must not connect to (one in ``allowed`` is fine)."""
    if any(address.version == net.version and address in net for net in allowed):
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and is_refused_ip(embedded):
            return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_reserved
        or address.is_multicast
        or (isinstance(address, ipaddress.IPv4Address) and address in _SHARED)
    )


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:  # the forms the resolver also takes as IPv4: "127.1", "2130706433", "0x7f.0.0.1"
        return ipaddress.ip_address(socket.inet_ntoa(socket.inet_aton(host)))
    except (OSError, UnicodeError, ValueError):
        return None


def is_refused_host(host: str, allowed: Networks = ()) -> bool:
    """``localhost`` (and its subdomains) or a literal refused address, in any form that maps to one."""
    try:
        name = normalise_host(host)
    except ValueError:
        return False  # not a host name at all: URL validation refuses it
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _literal(name)
    return address is not None and is_refused_ip(address, allowed)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for TCP (raises ``socket.gaierror`` when it does not resolve)."""
    infos = socket.getaddrinfo(normalise_host(host), port, 0, socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0])
        if text not in addresses:
            addresses.append(text)
    return addresses


def refused_addresses(host: str, port: int = 80, allowed: Networks = ()) -> list[str]:
    """The addresses ``host`` resolves to that are refused; empty when none is, or when it does not resolve."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        return []
    return [a for a in addresses if is_refused_ip(ipaddress.ip_address(a.split("%", 1)[0]), allowed)]
