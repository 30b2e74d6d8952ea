"""Lean database reads for the public hot path (widget lists): raw DB-API cursors on a read-only engine.

SQLAlchemy Core statements are compiled once per dialect and run straight on the driver's cursor: for a
one-row indexed lookup, SQLAlchemy's per-execution work cost more than the query itself. The reads use an
engine of their own, made from the app's database URL, whose connections are in autocommit mode (PostgreSQL)
or open no transaction (SQLite reads), so returning one to the pool needs no ROLLBACK round trip, and which
skips the pre-ping round trip: a connection that went stale is dropped with the rest of the pool (a restart
made them all stale) and the read retried once instead; a read that still fails raises SQLAlchemy's
``OperationalError`` like every other database access, which the app answers with a 503.
It is disposed together with the app's own engine.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

_lock = threading.Lock()
EXTENSION = "public_read_engine"


@dataclass(frozen=True)
class Compiled:
    sql: str
    names: tuple[str, ...] | None  # parameter order for positional drivers (SQLite); None: named (psycopg)
    defaults: dict[str, Any]

    def params(self, values: dict[str, Any]) -> Any:
        merged = {**self.defaults, **values}
        return tuple(merged[name] for name in self.names) if self.names is not None else merged


@functools.lru_cache(maxsize=32)
def compiled(dialect: Dialect, statement: Select) -> Compiled:
    """``statement`` compiled for ``dialect`` (once; statements are module-level constants)."""
    result = statement.compile(dialect=dialect)
    names = tuple(result.positiontup) if result.positional and result.positiontup is not None else None
    return Compiled(result.string, names, dict(result.params))


def json_value(value: Any) -> Any:
    """JSON columns come back as text from SQLite and already parsed from psycopg."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _make_read_engine(main: Engine) -> Engine:
    url = main.url.render_as_string(hide_password=False)
    if main.dialect.name == "sqlite":
        # the file is already in WAL mode (persistent); plain SELECTs open no transaction in sqlite3
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, pool_reset_on_return=None)
    else:
        engine = create_engine(
            url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, pool_size=5, max_overflow=10
        )
    event.listen(main, "engine_disposed", lambda _main: engine.dispose())
    return engine


def read_engine(app: Flask | None = None) -> Engine:
    """The (current) app's read engine, made on first use."""
    extensions = (app or current_app).extensions
    engine = extensions.get(EXTENSION)
    if engine is None:
        with _lock:
            engine = extensions.get(EXTENSION)
            if engine is None:
                engine = extensions[EXTENSION] = _make_read_engine(extensions["db_engine"])
    return engine


class Reader:
    """Reads on one pooled connection; use as a context manager (it gives the connection back)."""

    def __init__(self, engine: Engine | None = None):
        self._engine = engine or read_engine()
        self._connection: Any = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _execute(self, statement: Compiled, values: dict[str, Any]) -> list[Any]:
        if self._connection is None:
            self._connection = self._engine.raw_connection()
        cursor = self._connection.cursor()
        try:
            cursor.execute(statement.sql, statement.params(values))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def rows(self, statement: Select, **values: Any) -> list[Any]:
        """All result rows (plain tuples) of ``statement`` with ``values`` bound."""
        prepared = compiled(self._engine.dialect, statement)
        dbapi = self._engine.dialect.loaded_dbapi
        try:
            try:
                return self._execute(prepared, values)
            except (dbapi.OperationalError, dbapi.InterfaceError):
                if self._connection is None:
                    raise
                # stale (server restarted, connection dropped): so are the other pooled connections, opened
                # before the same restart; a new pool, and one retry
                self._connection.invalidate()
                self._connection = None
                self._engine.dispose()
                return self._execute(prepared, values)
        except (dbapi.OperationalError, dbapi.InterfaceError) as exc:
            # as SQLAlchemy raises it elsewhere, so the app answers 503 "database unavailable" for it too
            raise DBAPIError.instance(
                prepared.sql, None, exc, dbapi.Error, connection_invalidated=True, dialect=self._engine.dialect
            ) from exc
