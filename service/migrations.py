"""Database migrations (Alembic), callable from the CLI, the run script and tests."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from sqlalchemy import make_url
from sqlalchemy.engine import Connection

from service.config import PROJECT_ROOT
from service.db import make_engine

log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` up to ``revision`` (all heads by default)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # A table rebuild (batch migrations) drops the old table; with foreign keys on, that cascades
                # into every table referencing it. The pragma only takes effect outside a transaction.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                with connection.begin():
                    config = alembic_config(url)
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                    if sqlite:
                        _check_foreign_keys(connection)
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
    finally:
        engine.dispose()
    log.info("database %s is at %s", make_url(url).render_as_string(hide_password=True), revision)


def _check_foreign_keys(connection: Connection) -> None:
    """Refuse (rolling the migration back) when a migration run with foreign keys off left a dangling reference."""
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:
        raise RuntimeError(f"migration left rows with dangling foreign keys: {problems[:5]}")


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the models (developers' tool)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
