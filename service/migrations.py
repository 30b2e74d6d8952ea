"""Database migrations (Alembic), callable from the CLI, the run script and tests."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from sqlalchemy import make_url

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
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    log.info("database %s is at %s", make_url(url).render_as_string(hide_password=True), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the models (developers' tool)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
