"""Where a database's fitted related indexes are kept: the folder of saved index files and the cache key.

The app builds one :class:`IndexStore` from its settings when it starts and hands it to every session it
opens (in ``Session.info``, see :func:`service.db.session_factory`), so the web views, the CLI and the
scheduler's jobs all pass the same values without the domain reading the app. A tool with a database of its
own (the relevance evaluation) builds its own store and session factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

#: the key of the store in ``Session.info``
SESSION_KEY = "related_index_store"


@dataclass(frozen=True)
class IndexStore:
    """``folder`` holds the saved index files; ``database`` (its URL) keys each process's cache of fitted
    indexes, so two databases never share a cached index."""

    folder: Path
    database: str

    @classmethod
    def for_settings(cls, var_dir: str | Path, database_url: str) -> IndexStore:
        """The store of the database at ``database_url``: index files under ``<var_dir>/indexes``."""
        return cls(Path(var_dir) / "indexes", database_url)

    def session_info(self) -> dict[str, Any]:
        """What a session factory copies into each session's ``info``, where code given the session finds the store."""
        return {SESSION_KEY: self}

    def index_file(self, site_id: int, token: str) -> Path:
        return self.folder / f"site-{site_id}-{token}.joblib"

    def remove_other_files(self, site_id: int, keep_token: str) -> None:
        """Delete the site's saved indexes except the one of ``keep_token``."""
        for path in self.folder.glob(f"site-{site_id}-*.joblib"):
            if keep_token not in path.name:
                path.unlink(missing_ok=True)


def store_of(db: Session) -> IndexStore:
    """The index store the session was opened with."""
    store = db.info.get(SESSION_KEY)
    if not isinstance(store, IndexStore):
        raise RuntimeError(
            "this session carries no IndexStore: open it with "
            "service.db.session_factory(engine, IndexStore.for_settings(...).session_info())"
        )
    return store
