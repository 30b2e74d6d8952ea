"""The single-runner guard: at most one scheduler process runs jobs per database.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) taken on a dedicated connection kept open
  for the scheduler's life. PostgreSQL releases it when that connection ends, including when the process is
  killed, so a waiting scheduler takes over on its next poll. Advisory locks are per database.
- SQLite: an exclusive ``fcntl.flock`` on ``<database file>.scheduler.lock``. The kernel releases it when the
  process exits, however it exits. The holder's pid is written into the file for people looking.

Both are "try" locks: a second scheduler polls ``try_acquire`` every few seconds until the holder goes away.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# Any fixed bigint works; this one spells "ClReadSc" in ASCII so it is recognisable in pg_locks.
ADVISORY_LOCK_KEY = 0x436C526561645363


class Guard(Protocol):
    description: str

    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresAdvisoryLock:
    def __init__(self, url: str, key: int = ADVISORY_LOCK_KEY):
        self.engine = create_engine(make_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.key = key
        self.connection: Connection | None = None
        self.description = f"PostgreSQL advisory lock {key}"

    def try_acquire(self) -> bool:
        if self.connection is not None:
            return True
        try:
            connection = self.engine.connect()
        except SQLAlchemyError as exc:
            log.warning("cannot reach the database to take the scheduler lock: %s", exc.__class__.__name__)
            return False
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        if got:
            self.connection = connection
        else:
            connection.close()
        return bool(got)

    def still_held(self) -> bool:
        """The lock lives as long as its connection: a failed ping means it is gone."""
        if self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            self.connection.invalidate()
            self.connection = None
            return False
        return True

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except SQLAlchemyError:
            pass  # the connection is gone, and with it the lock
        finally:
            self.connection.close()
            self.connection = None
            self.engine.dispose()


class FileLock:
    def __init__(self, path: Path):
        self.path = path
        self.handle: IO[str] | None = None
        self.description = f"file lock {path}"

    def try_acquire(self) -> bool:
        if self.handle is not None:
            return True
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def still_held(self) -> bool:
        return self.handle is not None

    def release(self) -> None:
        if self.handle is None:
            return
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        self.handle.close()
        self.handle = None


def sqlite_lock_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("the scheduler needs a database file (or PostgreSQL), not an in-memory SQLite database")
    return Path(f"{database}.scheduler.lock")


def make_guard(url: str) -> Guard:
    """The guard for the database at ``url``."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        return PostgresAdvisoryLock(url)
    if backend == "sqlite":
        return FileLock(sqlite_lock_path(url))
    raise ValueError(f"no scheduler lock for {backend} databases (use PostgreSQL or SQLite)")
