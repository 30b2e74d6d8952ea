"""A total time budget for one fetch, enforced by shutting its sockets down.

``requests`` only has per-operation timeouts (connect, and each single read),
so a server that trickles one byte at a time — in the headers or the body —
never trips them. :class:`Deadline` arms a timer; every connection opened
while it is current (through :func:`deadline_session`) registers its socket,
and when the timer fires the sockets are shut down, which wakes the blocked
read at once. The caller then checks ``deadline.fired`` to report a timeout.

Not covered: DNS resolution (``getaddrinfo`` cannot be interrupted) and
connections made through a proxy (urllib3's ProxyManager builds its own
pools); the per-read timeouts still bound those.
"""

from __future__ import annotations

import contextvars
import socket
import threading
import time

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool

_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("feed_fetch_deadline", default=None)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = time.monotonic() + seconds
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._token: contextvars.Token | None = None

    def remaining(self) -> float:
        return self.expires - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def __enter__(self) -> Deadline:
        self._token = _current.set(self)
        self._timer = threading.Timer(max(self.remaining(), 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._token is not None:
            _current.reset(self._token)


def _shutdown(sock: socket.socket) -> None:
    try:
        # socket.socket.shutdown, not SSLSocket.shutdown: the latter also drops
        # the SSL object, under the feet of the thread that is reading.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _register(conn: urllib3.connection.HTTPConnection) -> None:
    deadline = _current.get()
    sock = getattr(conn, "sock", None)
    if deadline is not None and isinstance(sock, socket.socket):
        deadline.watch(sock)


class WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _register(self)


class WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _register(self)


class _WatchedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


class WatchedAdapter(requests.adapters.HTTPAdapter):
    """An adapter whose pools (by default the watched ones) make the connections."""

    def __init__(self, pools: dict[str, type[urllib3.connectionpool.HTTPConnectionPool]] | None = None) -> None:
        self._pools = pools or {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self._pools)


def deadline_session() -> requests.Session:
    """A Session whose direct connections register with the current Deadline."""
    session = requests.Session()
    adapter = WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
