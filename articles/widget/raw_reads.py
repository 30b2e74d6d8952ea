"""Lean database reads for the public hot path (widget lists): raw DB-API cursors on a read-only engine.

SQLAlchemy Core statements are compiled once per dialect and run straight on the driver's cursor: for a
one-row indexed lookup, SQLAlchemy's per-execution work cost more than the query itself. The reads use an
engine of their own, made from the app's database URL, whose connections are in autocommit mode (PostgreSQL)
or open no transaction (SQLite reads), so returning one to the pool needs no ROLLBACK round trip, and which
skips the pre-ping round trip: a connection that went stale is dropped with the rest of the pool (a restart
made them all stale) and the read retried once instead; a read that still fails raises SQLAlchemy's
``OperationalError`` like every other database access, which the app answers with a 503.
It is disposed together with the app's own engine.

On PostgreSQL a read goes one level lower still: psycopg's cursor (its query conversion, auto-prepare
bookkeeping and result wrapping) cost more client time than the server spent on the query, so each statement
is prepared on the server once per connection under a name of its own and run with libpq's
``PQexecPrepared`` on the connection's ``pgconn``; its rows are decoded by psycopg's own ``Transformer``, so
the values are exactly those the cursor would give.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from psycopg import OperationalError, errors, pq
from psycopg.adapt import Transformer
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

_lock = threading.Lock()
EXTENSION = "public_read_engine"
#: where a pooled PostgreSQL connection's record keeps the names of the statements prepared on it (and its
#: row decoder and client encoding); SQLAlchemy empties a record's ``info`` whenever its DB-API connection is
#: closed or replaced
PREPARED_INFO = "public_reads_prepared"
DECODER_INFO = "public_reads_decoder"
_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")


@dataclass(frozen=True)
class ServerStatement:
    """A statement in libpq's form: ``$n`` placeholders, the parameter names in that order, a stable name."""

    name: bytes
    sql: bytes
    names: tuple[str, ...]


@dataclass(frozen=True)
class Compiled:
    sql: str
    names: tuple[str, ...] | None  # parameter order for positional drivers (SQLite); None: named (psycopg)
    defaults: dict[str, Any]
    server: ServerStatement | None = None  # psycopg: the same statement for a server-side prepare

    def params(self, values: dict[str, Any]) -> Any:
        merged = {**self.defaults, **values}
        return tuple(merged[name] for name in self.names) if self.names is not None else merged


def server_statement(pyformat_sql: str) -> ServerStatement:
    """``pyformat_sql`` (psycopg's ``%(name)s`` placeholders) rewritten with libpq's ``$1``, ``$2``, ..."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    sql = _PYFORMAT.sub(number, pyformat_sql)
    name = "public_read_" + hashlib.sha1(sql.encode()).hexdigest()[:16]
    return ServerStatement(name.encode(), sql.encode(), tuple(names))


@functools.lru_cache(maxsize=32)
def compiled(dialect: Dialect, statement: Select) -> Compiled:
    """``statement`` compiled for ``dialect`` (once; statements are module-level constants)."""
    result = statement.compile(dialect=dialect)
    names = tuple(result.positiontup) if result.positional and result.positiontup is not None else None
    server = server_statement(result.string) if dialect.driver == "psycopg" else None
    return Compiled(result.string, names, dict(result.params), server)


def _text_param(value: Any, encoding: str) -> bytes | None:
    """A parameter in PostgreSQL's text format (the statement's casts give its type)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    return str(value).encode(encoding)


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
        if statement.server is not None:
            return self._execute_prepared(statement.server, {**statement.defaults, **values})
        cursor = self._connection.cursor()
        try:
            cursor.execute(statement.sql, statement.params(values))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _execute_prepared(self, statement: ServerStatement, values: dict[str, Any]) -> list[Any]:
        """Runs ``statement`` as a server-side prepared statement on the psycopg connection's libpq handle."""
        info = self._connection.info
        connection = self._connection.dbapi_connection
        pgconn = connection.pgconn
        prepared: set[bytes] = info.setdefault(PREPARED_INFO, set())
        if statement.name not in prepared:
            _check(pgconn.prepare(statement.name, statement.sql), connection)
            prepared.add(statement.name)
        codec = info.get(DECODER_INFO)
        if codec is None:
            codec = info[DECODER_INFO] = (Transformer(connection), connection.info.encoding)
        decoder, encoding = codec
        result = pgconn.exec_prepared(statement.name, [_text_param(values[n], encoding) for n in statement.names])
        _check(result, connection)
        decoder.set_pgresult(result)
        try:
            return list(decoder.load_rows(0, result.ntuples, tuple))
        finally:
            decoder.set_pgresult(None)

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


def _check(result: pq.abc.PGresult, connection: Any) -> None:
    """Raises psycopg's error for a failed ``result``: ``OperationalError`` when the connection is gone."""
    if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        return
    if connection.pgconn.status == pq.ConnStatus.BAD:
        raise OperationalError(connection.pgconn.get_error_message() or "the connection to the database was lost")
    raise errors.error_from_result(result, encoding=connection.info.encoding)
