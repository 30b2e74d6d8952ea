"""Back up and restore a deployment: the database and the secret key in one ``.tar.gz`` archive.

SQLite is copied with SQLite's online backup (``sqlite3.Connection.backup``): a consistent snapshot that
includes what is still in the WAL file, taken while the service keeps running. PostgreSQL is dumped with
``pg_dump --format=custom`` and restored with ``pg_restore --clean``, found on ``PATH`` or under
``/usr/lib/postgresql/<version>/bin`` (the newest). The secret key goes with the database: without it every
link in mail already sent (unsubscribe, preferences: valid for a year) stops working. The fitted TF-IDF indexes
are rows of the database (signed with that key), so they travel with it.

An archive holds the secret key: keep it as secret as the key (it is written with mode 600).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from service.db import make_engine

FORMAT = 1
MANIFEST, SECRET_KEY_FILE = "manifest.json", "secret_key"
SQLITE_FILE, PG_DUMP_FILE = "database.sqlite3", "database.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Manifest:
    version: str
    created_at: str
    dialect: str
    database_file: str
    format: int = FORMAT


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: on PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise BackupError(f"{name} not found on PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL client")
    return str(candidates[-1])


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection options for ``url`` (the password goes in the environment, never on the command line)."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[:2000]}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file")
    return Path(url.database)


def _snapshot_sqlite(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"no database at {source}")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(config: Mapping[str, Any], target: Path, version: str) -> Manifest:
    """Write an archive of the database and the secret key to ``target`` (mode 600); return its manifest."""
    url = make_url(config["DATABASE_URL"])
    dialect = url.get_backend_name()
    with tempfile.TemporaryDirectory() as work:
        if dialect == "sqlite":
            database_file = Path(work) / SQLITE_FILE
            _snapshot_sqlite(_sqlite_path(url), database_file)
        elif dialect == "postgresql":
            database_file = Path(work) / PG_DUMP_FILE
            args, env = _pg_args(url)
            _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(database_file), *args], env)
        else:
            raise BackupError(f"cannot back up a {dialect} database")
        manifest = Manifest(version, datetime.now(UTC).isoformat(timespec="seconds"), dialect, database_file.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest.__dict__, indent=2).encode())
            _add_bytes(archive, SECRET_KEY_FILE, str(config["SECRET_KEY"]).encode())
            archive.add(database_file, arcname=database_file.name)
    return manifest


def _has_data(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("sites"):
                return False
            return connection.exec_driver_sql("SELECT 1 FROM sites LIMIT 1").first() is not None
    finally:
        engine.dispose()


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.extractfile(MANIFEST)
        data = json.loads(member.read()) if member else None
        manifest = Manifest(**data) if isinstance(data, dict) else None
    except (KeyError, TypeError, ValueError):
        manifest = None
    if manifest is None or manifest.format != FORMAT:
        raise BackupError("not a Clinic Reads backup archive (no readable manifest.json)")
    return manifest


def _extract(archive: tarfile.TarFile, name: str, folder: Path) -> Path:
    member = archive.extractfile(name)
    if member is None:
        raise BackupError(f"the archive has no {name}")
    path = folder / name
    with path.open("wb") as handle:
        shutil.copyfileobj(member, handle)
    return path


def restore_backup(config: Mapping[str, Any], source: Path, force: bool = False) -> tuple[Manifest, bool]:
    """Bring the database and the secret key back from ``source``.

    Refuses a database that already holds a site unless ``force``. Returns the manifest and whether the key
    was written to ``<VAR_DIR>/secret_key`` (False when ``SECRET_KEY`` is set: then it must equal the archive's,
    which is checked).
    """
    url_text = config["DATABASE_URL"]
    url = make_url(url_text)
    if not source.is_file():
        raise BackupError(f"no archive at {source}")
    try:
        archive = tarfile.open(source, mode="r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"cannot read {source}: {exc}") from exc
    with archive, tempfile.TemporaryDirectory() as work:
        manifest = read_manifest(archive)
        if manifest.dialect != url.get_backend_name():
            raise BackupError(
                f"the archive holds a {manifest.dialect} database; DATABASE_URL is {url.get_backend_name()}"
            )
        secret = _extract(archive, SECRET_KEY_FILE, Path(work)).read_text()
        key_from_environment = bool(config.get("SECRET_KEY_FROM_SETTINGS"))
        if key_from_environment and secret != config["SECRET_KEY"]:
            raise BackupError(
                "SECRET_KEY is set and differs from the archive's key: set it to the archived key (links in mail "
                "already sent are signed with it), or unset it to restore the archived key into VAR_DIR"
            )
        if not force and _has_data(url_text):
            raise BackupError("the database already holds sites; restore into an empty one, or pass --force")
        database_file = _extract(archive, manifest.database_file, Path(work))
        if manifest.dialect == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(database_file) as src, sqlite3.connect(target) as dst:
                src.backup(dst)
            dst.close()
            src.close()
        else:
            args, env = _pg_args(url)
            _run(
                [
                    pg_tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *args,
                    str(database_file),
                ],
                env,
            )
    var_dir = Path(config["VAR_DIR"])
    if key_from_environment:
        return manifest, False
    var_dir.mkdir(parents=True, exist_ok=True)
    key_path = var_dir / "secret_key"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return manifest, True
