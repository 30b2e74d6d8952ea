"""A digest preview only reads: it never waits for the index writers' lock, writes no row and commits nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from articles.related.models import RelatedIndexBlob, RelatedIndexLog, RelatedIndexState
from newsletter.digests.ledger import DigestRun, DigestSend, SentArticle
from newsletter.digests.run import preview_digest
from newsletter.models import Subscriber
from service import db as database
from service.auth import SCOPES, create_api_key
from service.db import make_engine
from service.sites import site_by_slug
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic

SLUG = "digest-clinic"
TABLES = (RelatedIndexState, RelatedIndexLog, RelatedIndexBlob, DigestSend, SentArticle, DigestRun)


def clinic_with_subscriber(app: Flask) -> tuple[int, dict[str, str]]:
    """The digest clinic (articles published three hours ago), one subscriber following Back Pain, an API key."""
    now = datetime.now(UTC)
    build_clinic(app, now - timedelta(hours=3))
    subscriber_id = add_subscriber(app, "back@example.org", ["Back Pain"], now)
    with app.app_context(), database.new_session() as db:
        _, key = create_api_key(db, site_by_slug(db, SLUG), "tests", SCOPES)
        db.commit()
    return subscriber_id, {"Authorization": f"Bearer {key}"}


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context(), database.new_session() as db:
        return {table.__tablename__: db.scalar(select(func.count()).select_from(table)) or 0 for table in TABLES}


def hold_writers_lock(app: Flask) -> Connection:
    """Another connection takes what an article write takes: the site's index state row lock on PostgreSQL,
    the database's write lock on SQLite."""
    engine = make_engine(app.config["DATABASE_URL"])
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.begin()
        locked = connection.execute(select(RelatedIndexState.site_id).with_for_update()).all()
        if not locked:
            release(connection)
            raise AssertionError("the site has no index state row to lock")
    return connection


def release(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("ROLLBACK")
    else:
        connection.rollback()
    engine = connection.engine
    connection.close()
    engine.dispose()


def test_a_preview_does_not_wait_for_the_writers_lock(app: Flask) -> None:
    subscriber_id, headers = clinic_with_subscriber(app)
    client = app.test_client()
    expected = client.get(f"/api/v1/subscribers/{subscriber_id}/digest-preview", headers=headers).get_json()
    answers: list[Any] = []

    def preview() -> None:
        answers.append(client.get(f"/api/v1/subscribers/{subscriber_id}/digest-preview", headers=headers))

    holder = hold_writers_lock(app)
    try:
        worker = threading.Thread(target=preview)
        worker.start()
        worker.join(timeout=60)
        finished_while_locked = not worker.is_alive()
    finally:
        release(holder)
    worker.join()
    assert finished_while_locked, "the preview waited for the writers' lock"
    assert answers[0].status_code == 200 and answers[0].get_json() == expected
    assert expected["items"][0]["reason"] == "Because you follow “Back Pain”"


def test_a_preview_writes_no_row_and_commits_nothing(app: Flask) -> None:
    subscriber_id, headers = clinic_with_subscriber(app)
    client = app.test_client()
    expected = client.get(f"/api/v1/subscribers/{subscriber_id}/digest-preview", headers=headers).get_json()
    with app.app_context(), database.new_session() as db:  # as if the site had never been fitted
        db.execute(delete(RelatedIndexState))
        db.execute(delete(RelatedIndexLog))
        db.commit()
    counts = row_counts(app)

    assert client.get(f"/api/v1/subscribers/{subscriber_id}/digest-preview", headers=headers).get_json() == expected
    assert row_counts(app) == counts

    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, SLUG)
        subscriber = db.get(Subscriber, subscriber_id)
        assert subscriber is not None
        subscriber.interest_text = "not committed"
        db.flush()
        digest = preview_digest(db, site, subscriber, datetime.now(UTC))
        assert [p.article.title for p in digest.picks] == [item["title"] for item in expected["items"]]
        assert db.in_transaction()
        db.rollback()
        assert db.scalar(select(Subscriber.interest_text).where(Subscriber.id == subscriber_id)) is None
    assert row_counts(app) == counts
