"""Migrations build the whole schema on an empty database, on both engines, from a history with one head."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from clinicreads.models import metadata
from service.migrations import alembic_config, upgrade
from tests.conftest import PG_ADMIN_URL


def _assert_schema_matches_models(url: str) -> None:
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {t.name for t in metadata.sorted_tables} <= tables
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() >= 1
    finally:
        engine.dispose()


def test_migration_history_has_exactly_one_head() -> None:
    """Two branches that both add a revision after the same parent need a merge revision before they land."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))  # the URL is not read for the history
    heads = scripts.get_heads()
    assert len(heads) == 1, f"migrations/versions has {len(heads)} heads {sorted(heads)}: add a merge revision"


def test_upgrade_empty_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    _assert_schema_matches_models(url)
    upgrade(url)  # a second upgrade is a no-op


def test_upgrade_empty_postgres(postgres_url: str) -> None:
    name = f"clinicreads_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        _assert_schema_matches_models(url)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_sqlite_subscribers_rebuild_keeps_rows_and_references(tmp_path: Path) -> None:
    """The SQLite rebuild of ``subscribers`` (AUTOINCREMENT) keeps every subscriber and the rows referencing them,
    and ids are not reused afterwards."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0016_key_scopes")
    engine = create_engine(url)
    subscribers, interests = metadata.tables["subscribers"], metadata.tables["subscriber_interests"]
    try:
        with engine.begin() as connection:
            connection.execute(
                metadata.tables["sites"].insert(), {"id": 1, "slug": "s", "name": "S", "allowed_origins": []}
            )
            for number in (1, 2, 3):
                connection.execute(
                    subscribers.insert(),
                    {"id": number, "site_id": 1, "email": f"p{number}@example.com", "email_hash": "h" * 64},
                )
                connection.execute(interests.insert(), {"subscriber_id": number, "topic": "Pain"})
        upgrade(url)
        with engine.begin() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 0  # a plain connection
            kept = connection.scalars(text("SELECT subscriber_id FROM subscriber_interests ORDER BY 1")).all()
            assert kept == [1, 2, 3]
            connection.execute(text("PRAGMA foreign_keys=ON"))
            connection.execute(subscribers.delete().where(subscribers.c.id == 3))
            new_id = connection.execute(
                subscribers.insert(), {"site_id": 1, "email": "p4@example.com", "email_hash": "h" * 64}
            ).inserted_primary_key[0]
        assert new_id == 4
    finally:
        engine.dispose()
