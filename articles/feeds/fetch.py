"""Fetch one feed over HTTP(S), safely.

``fetch_feed`` never raises for network or server problems: it returns a
:class:`FetchResult` whose ``status`` is ``"ok"``, ``"not_modified"`` or
``"error"``; ``error`` then holds a message an editor can act on
("timed out after 10s", "HTTP 500 Internal Server Error", ...).

Limits that protect the importer from hostile or broken servers:

* a *total* time budget (``timeout``) covering connect, every redirect hop,
  the headers and the whole body; a server that dribbles bytes is cut off
  when the budget is spent, not only when one read stalls;
* a size cap (``max_bytes``) on the *decoded* body, so a gzip bomb is
  refused as well as a large plain body;
* only ``http``/``https`` URLs, on the first request and on every redirect;
* unless ``allow_private``, no connection to a loopback, private, link-local or
  otherwise internal address: host names are resolved and every address
  checked when connecting (``safe_connect``), each redirect hop included, so
  nothing leaves for such an address.

Example::

    result = fetch_feed(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    if result.status == "ok":
        parsed = parse_feed(result.content, base_url=result.final_url,
                            content_type=result.content_type, fetched_at=now)
    if result.permanent_redirect_url:
        feed.url = result.permanent_redirect_url
"""

from __future__ import annotations

import errno
import http
import http.client
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from ._deadline import Deadline, deadline_session
from .addresses import REFUSED_REASON, Networks, RefusedAddress, is_refused_host
from .safe_connect import guarded_session

__all__ = ["FetchResult", "fetch_feed", "DEFAULT_USER_AGENT", "MAX_REDIRECTS"]

DEFAULT_USER_AGENT = "ClinicReads/1.0 (+feed importer)"
MAX_REDIRECTS = 5
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_CODES = frozenset({301, 308})
_CHUNK = 64 * 1024
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True)
class FetchResult:
    """What one fetch produced.

    ``status``: ``"ok"`` (``content`` holds the body), ``"not_modified"``
    (the server answered 304 to our conditional request; ``content`` is
    None) or ``"error"`` (``error`` says why).
    ``permanent_redirect_url``: set when the request was moved permanently
    (301/308); the caller should store it as the feed's new URL.
    ``etag`` / ``last_modified``: the validators to send next time (the
    response's, or for a 304 without them the ones we sent).
    """

    status: Literal["ok", "not_modified", "error"]
    http_status: int | None
    content: bytes | None
    final_url: str
    permanent_redirect_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None


class _FetchError(Exception):
    """Internal: carries a human message (and the HTTP status if any)."""

    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:g}s"


def _fmt_size(n_bytes: int) -> str:
    mb = n_bytes / (1024 * 1024)
    if mb >= 1:
        return f"{mb:g} MB" if mb == int(mb) else f"{mb:.1f} MB"
    return f"{n_bytes / 1024:g} KB" if n_bytes >= 1024 else f"{n_bytes} bytes"


def _check_url(url: str) -> str | None:
    """Return an error message when ``url`` is not an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"invalid URL {url!r}: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        shown = parts.scheme or "none"
        return f"unsupported URL scheme '{shown}': only http and https feeds can be fetched"
    if not parts.hostname:
        return f"invalid URL {url!r}: no host name"
    return None


def _refused(url: str, allow_private: bool, allowed: Networks) -> str | None:
    """An error message when ``url``'s host is literally a refused one (``localhost``, ``127.0.0.1``, ...)."""
    if allow_private:
        return None
    if is_refused_host(urlsplit(url).hostname or "", allowed):
        return f"refused: {REFUSED_REASON}"
    return None


def _reason(status: int, reason: str | None) -> str:
    if not reason:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    return f"HTTP {status} {reason}".rstrip()


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception behind it (reason, cause, context, args), each once."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        for nxt in (getattr(cur, "reason", None), cur.__cause__, cur.__context__, *getattr(cur, "args", ())):
            if isinstance(nxt, BaseException):
                stack.append(nxt)


def _describe_connection_error(exc: BaseException, host: str | None = None) -> str:
    """Turn a requests/urllib3/socket exception chain into a short message."""
    for cur in _exception_chain(exc):
        if isinstance(cur, RefusedAddress):
            return str(cur)
        if isinstance(cur, ConnectionRefusedError) or getattr(cur, "errno", None) == errno.ECONNREFUSED:
            return "connection refused"
        if isinstance(cur, urllib3.exceptions.NameResolutionError) or isinstance(cur, socket.gaierror):
            return f"could not resolve host name '{host}'" if host else "could not resolve host name"
    return f"connection failed: {exc}"


def _is_timeout(exc: BaseException) -> bool:
    timeouts = (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError, socket.timeout)
    return any(isinstance(cur, timeouts) for cur in _exception_chain(exc))


def _underlying_socket(response: requests.Response) -> socket.socket | None:
    """Best effort: the socket under a streamed response (urllib3 2.x)."""
    conn = getattr(response.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _read_body(response: requests.Response, *, deadline: Deadline, max_bytes: int) -> bytes:
    """Read the (decoded) body within the deadline and the size cap."""
    declared = response.headers.get("Content-Length")
    encoded = response.headers.get("Content-Encoding", "").strip().lower() not in ("", "identity")
    if declared and declared.strip().isdigit() and not encoded and int(declared) > max_bytes:
        raise _FetchError(f"response larger than {_fmt_size(max_bytes)}")

    sock = _underlying_socket(response)
    parts: list[bytes] = []
    total = 0
    while True:
        remaining = deadline.remaining()
        if remaining <= 0 or deadline.fired:
            raise _FetchError(f"timed out after {_fmt_seconds(deadline.seconds)}")
        if sock is not None:
            # Belt and braces beside the Deadline's watchdog (which a proxied
            # connection escapes): no single recv outlives the budget.
            sock.settimeout(max(remaining, 0.001))
        # read1 returns as soon as *some* data arrived (one recv), so the
        # deadline is checked between every trickle of bytes.
        chunk = response.raw.read1(_CHUNK, decode_content=True)
        if not chunk:
            if deadline.fired:  # the watchdog shut the socket: EOF is not the end of the body
                raise _FetchError(f"timed out after {_fmt_seconds(deadline.seconds)}")
            break
        total += len(chunk)
        if total > max_bytes:
            raise _FetchError(f"response larger than {_fmt_size(max_bytes)}")
        parts.append(chunk)
    return b"".join(parts)


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = 5 * 1024 * 1024,
    user_agent: str = DEFAULT_USER_AGENT,
    allow_private: bool = False,
    allowed_networks: Networks = (),
) -> FetchResult:
    """Fetch ``url`` and return a :class:`FetchResult`; never raises for network problems.

    ``etag``/``last_modified`` are the validators stored from the previous
    fetch; they are sent as ``If-None-Match``/``If-Modified-Since`` and a 304
    gives ``status == "not_modified"``. ``timeout`` is the total budget in
    seconds for the whole fetch (all redirect hops and the body).
    Redirects are followed (at most ``MAX_REDIRECTS``); when the chain starts
    with permanent moves (301/308), ``permanent_redirect_url`` is the URL the
    last of those consecutive permanent hops points to (a temporary hop
    first, e.g. 302 then 301, means the original URL is still the right one
    to keep).
    ``allow_private``: connect to loopback and private addresses too (tests and
    development); by default such a host, literal or resolved, is an error and
    no request is sent to it. ``allowed_networks``: private networks that may be
    reached all the same.
    """
    if not timeout > 0:
        raise ValueError("timeout must be a positive number of seconds")
    if not max_bytes > 0:
        raise ValueError("max_bytes must be positive")
    start_error = _check_url(url) or _refused(url, allow_private, allowed_networks)
    if start_error:
        return FetchResult(status="error", http_status=None, content=None, final_url=url, error=start_error)

    headers = {"User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    current = url
    permanent: str | None = None
    permanent_run = True  # still inside the leading run of 301/308 hops
    http_status: int | None = None

    session = deadline_session() if allow_private else guarded_session(allowed_networks)
    with Deadline(timeout) as deadline, session:
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                remaining = deadline.remaining()
                if remaining <= 0 or deadline.fired:
                    raise _FetchError(f"timed out after {_fmt_seconds(timeout)}")
                response = session.get(
                    current,
                    headers=headers,
                    stream=True,
                    allow_redirects=False,
                    timeout=(remaining, remaining),
                )
                with response:
                    http_status = response.status_code
                    location = response.headers.get("Location")
                    if http_status in _REDIRECT_CODES and location:
                        target = urljoin(current, location.strip())
                        bad = _check_url(target) or _refused(target, allow_private, allowed_networks)
                        if bad:
                            raise _FetchError(f"redirected to a refused URL: {bad}", http_status)
                        if permanent_run and http_status in _PERMANENT_CODES:
                            permanent = target
                        else:
                            permanent_run = False
                        current = target
                        continue

                    resp_etag = response.headers.get("ETag")
                    resp_lm = response.headers.get("Last-Modified")
                    content_type = response.headers.get("Content-Type")
                    if http_status == 304:
                        return FetchResult(
                            status="not_modified",
                            http_status=304,
                            content=None,
                            final_url=current,
                            permanent_redirect_url=permanent,
                            etag=resp_etag or etag,
                            last_modified=resp_lm or last_modified,
                            content_type=content_type,
                        )
                    if not 200 <= http_status < 300:
                        raise _FetchError(_reason(http_status, response.reason), http_status)
                    body = _read_body(response, deadline=deadline, max_bytes=max_bytes)
                    return FetchResult(
                        status="ok",
                        http_status=http_status,
                        content=body,
                        final_url=current,
                        permanent_redirect_url=permanent,
                        etag=resp_etag,
                        last_modified=resp_lm,
                        content_type=content_type,
                    )
            raise _FetchError(f"too many redirects (more than {MAX_REDIRECTS})", http_status)
        except _FetchError as exc:
            message, code = exc.message, exc.http_status if exc.http_status is not None else http_status
        except (urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError) as exc:
            message, code = f"could not decode the response body: {exc}", http_status
            if deadline.fired:
                message = f"timed out after {_fmt_seconds(timeout)}"
        except (
            requests.exceptions.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as exc:
            # ValueError: a read on a connection the watchdog has just shut down
            code = http_status
            described = _describe_connection_error(exc, urlsplit(current).hostname)
            if deadline.fired:
                message = f"timed out after {_fmt_seconds(timeout)}"
            elif isinstance(exc, (requests.exceptions.Timeout, TimeoutError, socket.timeout)):
                message = f"timed out after {_fmt_seconds(timeout)}"
            elif isinstance(exc, requests.exceptions.InvalidURL):
                message = f"invalid URL: {exc}"
            elif not described.startswith("connection failed:"):
                # checked before the timeout test: urllib3's NewConnectionError
                # (refused, unresolvable) subclasses its ConnectTimeoutError
                message = described
            elif _is_timeout(exc):
                message = f"timed out after {_fmt_seconds(timeout)}"
            else:
                message = described
    return FetchResult(
        status="error",
        http_status=code,
        content=None,
        final_url=current,
        permanent_redirect_url=permanent,
        error=message,
    )
