"""Which sites' widget answers changed, as PostgreSQL says it (LISTEN/NOTIFY), heard in a thread of each process.

Triggers on ``sites``, ``articles`` and ``related_lists`` (migration 0024) send the changed row's site id on
the channel :data:`CHANNEL` when their transaction commits. A web process that hears them can keep a widget
answer for as long as nothing of its site changed, instead of asking the database again on every page view.

The bookkeeping is a clock: every notification advances :attr:`ChangeFeed.tick` and records it as its site's
last change. A reader takes a :meth:`~ChangeFeed.mark` *before* it reads the database, and the answer it read
stays good while :meth:`~ChangeFeed.unchanged_since` that mark: a change that commits while the read is under
way is heard after the mark, so the answer is dropped even if the read saw the old rows. While the listening
connection is down nothing is trusted (``mark`` is None); each new connection starts a new epoch, which
drops whatever was marked in an earlier one, since notifications sent in between were never heard.
"""

from __future__ import annotations

import logging
import os
import threading

import psycopg
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CHANNEL = "clinicreads_widget"
#: how the listening connections show in ``pg_stat_activity``
APPLICATION_NAME = "clinicreads widget change feed"
EXTENSION = "widget_change_feed"
#: how long one wait for notifications lasts; after that the connection is checked (and a stop noticed)
WAIT_SECONDS = 5.0
#: the wait before trying again after the listening connection failed
RETRY_SECONDS = 2.0

Mark = tuple[int, int]


class ChangeFeed:
    """Listens on :data:`CHANNEL` in a daemon thread started on first use in each process (after a fork too)."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pid: int | None = None
        self.live = False
        self.epoch = 0
        self.tick = 0
        self._changed: dict[int, int] = {}
        self._quiet = False  # a failure to listen was logged and nothing was heard since

    def start(self) -> None:
        """Starts listening in this process unless it already does."""
        if self._pid == os.getpid() or self._stop.is_set():
            return
        if self._pid is not None:
            self._lock = threading.Lock()  # forked: the parent's thread may have held the lock at the fork
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self.live = False  # a forked child inherits the parent's state, not its thread
            self._changed.clear()
            threading.Thread(target=self._run, name="widget-change-feed", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.live = False

    def mark(self) -> Mark | None:
        """Where the clock stands now, or None while the feed is not heard (then nothing may be kept)."""
        with self._lock:
            return (self.epoch, self.tick) if self.live else None

    def unchanged_since(self, site_id: int, mark: Mark) -> bool:
        """Whether no change to ``site_id`` has been heard since ``mark`` (and the feed is still heard)."""
        with self._lock:
            return self.live and mark[0] == self.epoch and self._changed.get(site_id, 0) <= mark[1]

    def _heard(self, payload: str) -> None:
        with self._lock:
            self.tick += 1
            try:
                self._changed[int(payload)] = self.tick
            except ValueError:
                self.epoch += 1  # not a site id: treat everything as changed

    def _connected(self, live: bool) -> None:
        with self._lock:
            self.live = live
            self.epoch += 1
            self._changed.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, application_name=APPLICATION_NAME) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._connected(True)
                    self._quiet = False
                    log.info("widget change feed: listening")
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=WAIT_SECONDS):
                            self._heard(notice.payload)
                        conn.execute("SELECT 1")  # a dead connection fails here rather than waiting in silence
            except Exception as exc:  # noqa: BLE001 - any failure: stop trusting, then try again
                if not self._quiet:
                    log.warning("widget change feed down (%s); widget answers are read afresh until it is back", exc)
                    self._quiet = True
                self._connected(False)
                self._stop.wait(RETRY_SECONDS)
        self._connected(False)


def conninfo_of(engine: Engine) -> str:
    """libpq's connection string for the database of a SQLAlchemy engine."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def change_feed(app: Flask) -> ChangeFeed | None:
    """The app's change feed, made on first use; None on SQLite or when ``WIDGET_CHANGE_FEED`` is off."""
    if EXTENSION in app.extensions:
        feed: ChangeFeed | None = app.extensions[EXTENSION]
        return feed
    engine: Engine = app.extensions["db_engine"]
    feed = None
    if app.config.get("WIDGET_CHANGE_FEED") and engine.dialect.name == "postgresql":
        made = feed = ChangeFeed(conninfo_of(engine))
        event.listen(engine, "engine_disposed", lambda _engine: made.stop())
    app.extensions[EXTENSION] = feed
    return feed
