"""Alembic environment: the URL comes from service.migrations (or -x url=... on the command line)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from clinicreads.models import metadata

config = context.config
url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
