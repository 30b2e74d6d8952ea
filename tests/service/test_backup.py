"""`flask backup create` then `flask backup restore` into a fresh var/ (and a fresh database): the same articles,
lists and subscribers come back, and unsubscribe links from mail already sent still open."""

from __future__ import annotations

import tarfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from articles.models import Article
from articles.related.models import RelatedList
from clinicreads.backup import pg_tool
from newsletter.models import Subscriber
from newsletter.subscriptions import links_for
from service import db as database
from tests.conftest import PG_ADMIN_URL, make_test_app, require_or_skip
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic

NOW = datetime.now(UTC).replace(microsecond=0)


def snapshot(app: Flask) -> dict[str, Any]:
    """What a restore must bring back, read through the app's own database session."""
    with app.app_context(), database.new_session() as db:
        articles = sorted((a.canonical_url, a.title, a.status, a.content_hash) for a in db.scalars(select(Article)))
        lists = sorted((r.article_id, r.version) for r in db.scalars(select(RelatedList)))
        subscribers = sorted((s.email, s.status, s.frequency) for s in db.scalars(select(Subscriber)))
    return {"articles": articles, "lists": lists, "subscribers": subscribers}


def unsubscribe_path(app: Flask, email: str) -> str:
    with app.app_context(), database.new_session() as db:
        subscriber = db.scalars(select(Subscriber).where(Subscriber.email == email)).one()
        url = links_for(subscriber, "http://service.test", app.config["SECRET_KEY"])["unsubscribe_url"]
    return url.removeprefix("http://service.test")


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as ``database_url``: the target of the restore."""
    if database_url.startswith("sqlite"):
        yield ""  # the default: a SQLite file under the fresh VAR_DIR
        return
    name = f"clinicreads_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_backup_restores_into_a_fresh_var_dir(database_url: str, fresh_database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("postgresql"):
        try:
            pg_tool("pg_dump")
        except Exception as exc:  # noqa: BLE001 - no client tools: say so
            require_or_skip(False, str(exc))
    # the source keeps its generated secret key in its var/, as run.sh's deployments do
    source = make_test_app(database_url, tmp_path / "old-var", SECRET_KEY="")
    build_clinic(source, NOW - timedelta(hours=3))
    add_subscriber(source, "reader@example.org", ["Back Pain"], NOW)
    unsubscribe = unsubscribe_path(source, "reader@example.org")
    before = snapshot(source)
    assert len(before["articles"]) == 20 and len(before["lists"]) == 20 and len(before["subscribers"]) == 1

    archive = tmp_path / "backups" / "b.tar.gz"
    result = source.test_cli_runner().invoke(args=["backup", "create", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as opened:
        assert {"manifest.json", "secret_key"} <= set(opened.getnames())
    source.extensions["db_engine"].dispose()

    fresh_var = tmp_path / "new-var"
    target = make_test_app(fresh_database_url, fresh_var, SECRET_KEY="")
    assert target.config["SECRET_KEY"] != source.config["SECRET_KEY"]  # a fresh var/ has a key of its own
    result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    target.extensions["db_engine"].dispose()

    restored = make_test_app(fresh_database_url, fresh_var, SECRET_KEY="")
    try:
        assert restored.config["SECRET_KEY"] == source.config["SECRET_KEY"]
        assert snapshot(restored) == before
        page = restored.test_client().get(unsubscribe)
        assert page.status_code == 200 and b"unsubscribe" in page.data.lower()
        again = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert again.exit_code == 1 and "already holds sites" in again.output
    finally:
        restored.extensions["db_engine"].dispose()


def test_restore_refuses_what_is_not_a_backup(sqlite_app: Flask, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = sqlite_app.test_cli_runner().invoke(args=["backup", "restore", str(bogus)])
    assert result.exit_code == 1 and "cannot read" in result.output
    missing = sqlite_app.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "none.tar.gz")])
    assert missing.exit_code == 1 and "no archive" in missing.output
