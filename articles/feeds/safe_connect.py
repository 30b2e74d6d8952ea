"""HTTP connections that refuse to reach private addresses, checked at connect time.

The connection resolves its host itself, refuses when *any* address of the name is refused (see
``articles.feeds.addresses``), and connects to the very addresses it checked, so a name that resolves to a
public address at one lookup and to ``127.0.0.1`` at the next (DNS rebinding) cannot slip through. Every
connection of the session goes through this, each redirect hop included, so nothing is sent to a refused
address: not even the TCP handshake. HTTPS still verifies the certificate against the host name.

Connections made through a proxy (``HTTP(S)_PROXY``) are made by urllib3's proxy manager and reach the proxy
only; the proxy is then what must refuse private addresses.
"""

from __future__ import annotations

import ipaddress
import socket

import requests
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from urllib3.util.connection import create_connection

from ._deadline import WatchedAdapter, WatchedHTTPConnection, WatchedHTTPSConnection
from .addresses import Networks, RefusedAddress, is_refused_ip, resolve

__all__ = ["guarded_session", "RefusedAddress"]


def _connect_checked(conn: urllib3.connection.HTTPConnection, allowed: Networks) -> socket.socket:
    """A socket connected to one of the host's addresses, all of which were checked first."""
    host = conn._dns_host
    try:
        addresses = resolve(host, conn.port or 80)
    except socket.gaierror as exc:
        raise urllib3.exceptions.NameResolutionError(conn.host, conn, exc) from exc
    refused = [a for a in addresses if is_refused_ip(ipaddress.ip_address(a.split("%", 1)[0]), allowed)]
    if refused or not addresses:
        raise RefusedAddress(conn.host, refused or ["no address"])
    last: OSError | None = None
    for address in addresses:
        try:
            sock = create_connection(
                (address, conn.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            raise urllib3.exceptions.ConnectTimeoutError(
                conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})"
            ) from exc
        except OSError as exc:
            last = exc
            continue
        peer = sock.getpeername()[0]
        if is_refused_ip(ipaddress.ip_address(str(peer).split("%", 1)[0]), allowed):
            sock.close()
            raise RefusedAddress(conn.host, [str(peer)])
        return sock
    raise urllib3.exceptions.NewConnectionError(conn, f"Failed to establish a new connection: {last}") from last


class _GuardedHTTPConnection(WatchedHTTPConnection):
    allowed_networks: Networks = ()

    def _new_conn(self) -> socket.socket:
        return _connect_checked(self, self.allowed_networks)


class _GuardedHTTPSConnection(WatchedHTTPSConnection):
    allowed_networks: Networks = ()

    def _new_conn(self) -> socket.socket:
        return _connect_checked(self, self.allowed_networks)


def guarded_session(allowed_networks: Networks = ()) -> requests.Session:
    """A Session whose direct connections register with the current Deadline and reach public addresses
    (and those in ``allowed_networks``) only."""
    extra = {"allowed_networks": tuple(allowed_networks)}
    http_conn = type("GuardedHTTPConnection", (_GuardedHTTPConnection,), extra)
    https_conn = type("GuardedHTTPSConnection", (_GuardedHTTPSConnection,), extra)
    pools = {
        "http": type("GuardedHTTPPool", (urllib3.connectionpool.HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (urllib3.connectionpool.HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }
    session = requests.Session()
    adapter = WatchedAdapter(pools=pools)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
