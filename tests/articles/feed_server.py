"""A real HTTP server on loopback, in a thread, for feed-fetching tests.

Routes are data: ``server.route("/feed.xml", body=b"...", content_type=...)``.
Each route can add validators (``etag``/``last_modified`` → 304 when the
request's conditional header matches), redirect (``redirect_to`` + ``status``
301/302/303/307/308), gzip its body, answer slowly (``chunk_delay`` seconds
between ``chunk_size``-byte chunks), hide its length (``send_length=False``:
body delimited by closing the connection) or send any status.

``server.requests`` records ``(path, headers)`` of every request received.

Usage (through the ``feed_server`` fixture in conftest.py)::

    def test_x(feed_server):
        feed_server.route("/f", body=b"<rss/>", content_type="application/rss+xml")
        result = fetch_feed(feed_server.url("/f"))
"""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    redirect_to: str | None = None
    gzip: bool = False
    chunk_size: int = 0  # 0: send the body in one write
    chunk_delay: float = 0.0
    header_delay: float = 0.0  # seconds to wait before sending the status line
    header_trickle: float = 0.0  # send the header block one byte per this many seconds
    send_length: bool = True
    chunked: bool = False  # Transfer-Encoding: chunked, one HTTP chunk per chunk_size bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class FeedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._httpd = _Server((host, 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="feed-server", daemon=True
        )

    # -- lifecycle -------------------------------------------------------
    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- configuration ---------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, **options) -> Route:
        route = Route(**options)
        self.routes[path] = route
        return route

    def requests_to(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [h for p, h in self.requests if p == path]

    # -- the handler -----------------------------------------------------
    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # close-delimited bodies are allowed

            def log_message(self, format, *args):  # keep test output clean
                pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.requests.append((path, dict(self.headers.items())))
                route = server.routes.get(path)
                if route is not None and route.header_delay:
                    time.sleep(route.header_delay)
                if route is not None and route.header_trickle:
                    head = b"HTTP/1.0 200 OK\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
                    try:
                        for byte in head:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(route.header_trickle)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                if route is None:
                    self._send(404, b"not found", {"Content-Type": "text/plain"})
                    return
                extra = dict(route.headers)
                if route.redirect_to is not None:
                    target = route.redirect_to
                    if target.startswith("/"):
                        target = server.base_url + target
                    extra["Location"] = target
                    self._send(route.status if route.status in (301, 302, 303, 307, 308) else 302, b"", extra)
                    return
                if route.etag:
                    extra["ETag"] = route.etag
                if route.last_modified:
                    extra["Last-Modified"] = route.last_modified
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if (route.etag and inm == route.etag) or (
                    route.last_modified and not route.etag and ims == route.last_modified
                ):
                    self._send(304, b"", extra)
                    return
                body = route.body
                if route.gzip:
                    body = gzip.compress(body)
                    extra["Content-Encoding"] = "gzip"
                if route.content_type:
                    extra["Content-Type"] = route.content_type
                self._send(route.status, body, extra, route=route)

            def _send(self, status, body, headers, route: Route | None = None):
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    chunked = route is not None and route.chunked
                    if chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                    elif route is None or route.send_length:
                        self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if status == 304 or not body:
                        return
                    step = (route.chunk_size if route is not None else 0) or len(body)
                    for i in range(0, len(body), step):
                        piece = body[i : i + step]
                        if chunked:
                            piece = b"%x\r\n%s\r\n" % (len(piece), piece)
                        self.wfile.write(piece)
                        self.wfile.flush()
                        if route is not None and route.chunk_delay:
                            time.sleep(route.chunk_delay)
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeouts, size caps): expected

        return Handler
