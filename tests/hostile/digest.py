"""A digest of every row the service stores, to show that a rejected request changed nothing."""

from __future__ import annotations

import hashlib

from flask import Flask
from sqlalchemy import select

from clinicreads.models import metadata
from service import db as database

#: columns that a read may legitimately touch (bookkeeping, not content)
READ_BOOKKEEPING = {("api_keys", "last_used_at")}


def site_digest(app: Flask) -> str:
    """SHA-256 over every row of every table, in primary-key order."""
    digest = hashlib.sha256()
    with app.app_context():
        with database.engine().connect() as connection:
            for table in metadata.sorted_tables:
                columns = [c for c in table.columns if (table.name, c.name) not in READ_BOOKKEEPING]
                order = list(table.primary_key.columns) or columns
                for row in connection.execute(select(*columns).order_by(*order)):
                    digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()
