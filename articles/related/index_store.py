"""Where a database's fitted related indexes are kept: in the database itself, signed, beside their state row.

A fitted index is serialised once when a site is (re)fitted and written to ``related_index_blobs`` in parts
(so no single value grows past what a driver or PostgreSQL's ``bytea`` handles comfortably), in the same
transaction as the site's ``related_index_state`` row that names it. Every worker on every machine that
shares the database loads it from there when its own copy is older; nothing lives on one machine's disk.

The serialised form is a joblib (pickle) stream, and unpickling can run code, so every stored index carries
an HMAC-SHA256 made with a key derived from the app's ``SECRET_KEY``: a process loads only indexes written by
a process holding the same secret, and a row written by anyone else (or damaged) is refused and refitted.

The app builds one :class:`IndexStore` from its settings when it starts and hands it to every session it
opens (in ``Session.info``, see :func:`service.db.session_factory`), so the web views, the CLI and the
scheduler's jobs all pass the same values without the domain reading the app. A tool with a database of its
own (the relevance evaluation) builds its own store and session factory.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from articles.related.models import RelatedIndexBlob
from recommender.index import IndexFormatError, RelatedIndex

#: the key of the store in ``Session.info``
SESSION_KEY = "related_index_store"
#: bytes per stored part of a serialised index
PART_BYTES = 16 * 1024 * 1024
_MAC_BYTES = hashlib.sha256().digest_size


@dataclass(frozen=True)
class IndexStore:
    """``database`` (its URL) keys each process's cache of fitted indexes, so two databases never share a
    cached index; ``signing_key`` signs and checks the stored indexes."""

    database: str
    signing_key: bytes = field(repr=False)

    @classmethod
    def for_settings(cls, database_url: str, secret_key: str) -> IndexStore:
        """The store of the database at ``database_url``, signing with a key derived from ``secret_key``."""
        key = hmac.new(secret_key.encode(), b"clinicreads related index v1", hashlib.sha256).digest()
        return cls(database_url, key)

    def session_info(self) -> dict[str, Any]:
        """What a session factory copies into each session's ``info``, where code given the session finds the store."""
        return {SESSION_KEY: self}

    def save(self, db: Session, site_id: int, token: str, index: RelatedIndex) -> int:
        """Write ``index`` as the site's index ``token`` (in the caller's transaction); returns its size in bytes."""
        buffer = io.BytesIO()
        index.save(buffer)
        payload = buffer.getbuffer()
        mac = hmac.new(self.signing_key, payload, hashlib.sha256).digest()
        db.execute(delete(RelatedIndexBlob).where(RelatedIndexBlob.site_id == site_id, RelatedIndexBlob.token == token))
        size = len(payload)
        for part, start in enumerate(range(0, max(size, 1), PART_BYTES)):
            chunk = bytes(payload[start : start + PART_BYTES])
            db.add(RelatedIndexBlob(site_id=site_id, token=token, part=part, data=(mac + chunk) if not part else chunk))
            db.flush()  # one part at a time: the session never holds the whole index as pending rows
        del payload
        buffer.close()
        return size

    def load(self, db: Session, site_id: int, token: str) -> RelatedIndex:
        """The site's stored index ``token``.

        Raises :class:`FileNotFoundError` when it is not stored (removed by a newer fit) and
        :class:`~recommender.index.IndexFormatError` when its signature or format is not this code's.
        """
        parts = db.scalars(
            select(RelatedIndexBlob.data)
            .where(RelatedIndexBlob.site_id == site_id, RelatedIndexBlob.token == token)
            .order_by(RelatedIndexBlob.part)
        )
        buffer = io.BytesIO()
        for data in parts:
            buffer.write(data)
        blob = buffer.getbuffer()
        if not len(blob):
            raise FileNotFoundError(f"no stored index {token} for site {site_id}")
        mac, payload = bytes(blob[:_MAC_BYTES]), blob[_MAC_BYTES:]
        expected = hmac.new(self.signing_key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise IndexFormatError(f"stored index {token} of site {site_id} is not signed with this SECRET_KEY")
        try:
            return RelatedIndex.load(io.BytesIO(payload))
        finally:
            del payload, blob
            buffer.close()

    def remove_others(self, db: Session, site_id: int, keep_token: str) -> None:
        """Delete the site's stored indexes except the one of ``keep_token`` (in the caller's transaction)."""
        db.execute(
            delete(RelatedIndexBlob).where(RelatedIndexBlob.site_id == site_id, RelatedIndexBlob.token != keep_token)
        )


def store_of(db: Session) -> IndexStore:
    """The index store the session was opened with."""
    store = db.info.get(SESSION_KEY)
    if not isinstance(store, IndexStore):
        raise RuntimeError(
            "this session carries no IndexStore: open it with "
            "service.db.session_factory(engine, IndexStore.for_settings(...).session_info())"
        )
    return store
