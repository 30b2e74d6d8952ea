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
