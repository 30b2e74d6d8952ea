"""The related index's state row: one lock per article write, a read-only accessor, and where indexes are saved."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, event, func, select
from sqlalchemy.orm import Session

from articles import store
from articles.demo import DEMO_TOPICS, topic_to_article
from articles.related import index_cache, pending, updates
from articles.related.index_store import IndexStore, store_of
from articles.related.models import RelatedIndexBlob, RelatedIndexLog, RelatedIndexState
from recommender.index import IndexFormatError, RelatedIndex
from recommender.medlineplus import read_topic_records
from service import db as database
from service.sites import site_by_slug
from tests.articles.test_related import ARTICLES, add
from tests.conftest import SiteWithKey, article_payload


@contextmanager
def state_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends that reads the ``related_index_state`` table."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "related_index_state" in statement:
            seen.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def assert_one_lock(app: Flask, statements: list[str]) -> None:
    assert len(statements) == 1, statements
    if app.config["DATABASE_URL"].startswith("postgresql"):
        assert "FOR UPDATE" in statements[0]


def site_state(app: Flask, slug: str) -> RelatedIndexState:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        state = db.scalar(select(RelatedIndexState).where(RelatedIndexState.site_id == site.id))
        assert state is not None
        return state


def load_demo_topics(app: Flask, slug: str, count: int) -> None:
    """``count`` MedlinePlus topics written at once (one refit at the end), enough to pass SMALL_SITE."""
    epoch = datetime(2026, 3, 1, tzinfo=UTC)
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        with updates.deferred(db, site):
            for position, topic in enumerate(read_topic_records(DEMO_TOPICS)):
                if position == count:
                    break
                store.upsert_article(db, site, topic_to_article(topic, position, epoch), source="demo")
        db.commit()
        pending.drain_site_fully(db, site)


def test_a_write_to_a_small_site_locks_the_index_once_and_refits(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    for key in ("back", "nerve", "food"):
        add(client, site_a, key)
    with state_statements(app) as statements:
        add(client, site_a, "spine")
    assert_one_lock(app, statements)
    assert site_state(app, site_a.slug).fitted_count == 4  # refitted under that one lock


def test_a_write_to_a_larger_site_locks_the_index_once_and_updates_it(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    load_demo_topics(app, site_a.slug, index_cache.SMALL_SITE + 10)
    fitted = site_state(app, site_a.slug)
    assert (fitted.fitted_count, fitted.changed_since_fit) == (index_cache.SMALL_SITE + 10, 0)
    with state_statements(app) as statements:
        spine = add(client, site_a, "spine")
    assert_one_lock(app, statements)
    after = site_state(app, site_a.slug)
    assert (after.token, after.fitted_count, after.changed_since_fit) == (fitted.token, fitted.fitted_count, 1)
    assert client.get(f"/api/v1/articles/{spine}/related", headers=site_a.headers).get_json()["items"]


def test_every_kind_of_write_locks_the_index_once_per_write(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    ids = {key: add(client, site_a, key) for key in ARTICLES}
    writes = [
        lambda: client.patch(f"/api/v1/articles/{ids['diet']}", json={"title": "Diet"}, headers=site_a.headers),
        lambda: client.delete(f"/api/v1/articles/{ids['eating']}", headers=site_a.headers),
        lambda: client.delete(f"/api/v1/articles/{ids['peanut']}?purge=true", headers=site_a.headers),
        lambda: client.put(f"/api/v1/articles/{ids['back']}/pins", json={"ids": [ids["food"]]}, headers=site_a.headers),
        lambda: client.post(
            "/api/v1/never-pairs", json={"tag_a": "allergy", "tag_b": "back pain"}, headers=site_a.headers
        ),
    ]
    for write in writes:
        with state_statements(app) as statements:
            assert write().status_code in (200, 201, 204)
        assert_one_lock(app, statements)
    items = [article_payload(url=f"https://clinic-a.example/bulk-{n}", title=f"Bulk {n}") for n in range(3)]
    with state_statements(app) as statements:
        answer = client.post("/api/v1/articles/bulk", json={"items": items}, headers=site_a.headers)
    assert answer.status_code == 200
    assert statements == []  # a bulk write only queues its articles for the drainer
    assert {item["related_status"] for item in answer.get_json()["items"]} == {"pending"}


def test_readers_get_their_own_current_copy_without_locking(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    ids = {key: add(client, site_a, key) for key in ("back", "nerve", "food", "peanut")}
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, site_a.slug)
        with state_statements(app) as statements:
            first = index_cache.read_index(db, site)
        assert statements and not any("FOR UPDATE" in s for s in statements)
        assert first is not None and set(ids.values()) <= set(first.ids_.tolist())
        cached = index_cache._cache[(store_of(db).database, site.id)]
        assert first is not cached.index
        first.remove(ids["back"])  # the reader's copy is its own
        assert ids["back"] in cached.index
        db.rollback()
        spine = add(client, site_a, "spine")
        again = index_cache.read_index(db, site)
        assert again is not None and spine in again and ids["back"] in again
        assert not (db.new or db.dirty or db.deleted)


def test_readers_fit_in_memory_a_site_never_fitted_and_save_nothing(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    ids = {key: add(client, site_a, key) for key in ("back", "spine", "food", "peanut")}
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, site_a.slug)
        db.execute(delete(RelatedIndexState))
        db.execute(delete(RelatedIndexLog))
        db.commit()
        blobs = db.execute(select(RelatedIndexBlob.token, RelatedIndexBlob.part)).all()
        index = index_cache.read_index(db, site)
        assert index is not None and set(index.ids_.tolist()) == set(ids.values())
        assert index.related(ids["back"], 1)[0].id == ids["spine"]
        db.rollback()
        assert db.scalar(select(func.count()).select_from(RelatedIndexState)) == 0
        assert db.scalar(select(func.count()).select_from(RelatedIndexLog)) == 0
        assert db.execute(select(RelatedIndexBlob.token, RelatedIndexBlob.part)).all() == blobs


def stored_tokens(app: Flask, slug: str) -> list[str]:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        return list(db.scalars(select(RelatedIndexBlob.token).where(RelatedIndexBlob.site_id == site.id)))


def test_indexes_are_stored_in_the_database_not_under_var(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    for key in ("back", "spine", "food"):
        add(client, site_a, key)
    first = site_state(app, site_a.slug).token
    assert stored_tokens(app, site_a.slug) == [first]
    add(client, site_a, "peanut")  # a small site refits on every write: the older index is removed
    token = site_state(app, site_a.slug).token
    assert token != first and stored_tokens(app, site_a.slug) == [token]
    assert not (Path(app.config["VAR_DIR"]) / "indexes").exists()


def test_a_stored_index_not_signed_with_this_secret_key_is_refused_and_refitted(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    ids = {key: add(client, site_a, key) for key in ("back", "spine", "food")}
    token = site_state(app, site_a.slug).token
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, site_a.slug)
        stored = store_of(db)
        assert isinstance(stored.load(db, site.id, token), RelatedIndex)
        other = IndexStore.for_settings(stored.database, "another secret")
        with pytest.raises(IndexFormatError, match="SECRET_KEY"):
            other.load(db, site.id, token)
        blob = db.scalar(select(RelatedIndexBlob).where(RelatedIndexBlob.site_id == site.id))
        assert blob is not None
        blob.data = blob.data[:-1] + bytes([blob.data[-1] ^ 1])  # one bit changed
        db.commit()
        with pytest.raises(IndexFormatError):
            stored.load(db, site.id, token)
        index_cache.forget(stored, site.id)
        index = index_cache.read_index(db, site)  # refused, so fitted in memory from the articles
        assert index is not None and set(index.ids_.tolist()) == set(ids.values())


def test_a_session_without_an_index_store_says_so(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    with Session(engine) as db, pytest.raises(RuntimeError, match="no IndexStore"):
        store_of(db)
    store = IndexStore.for_settings("sqlite://", "secret")
    sessions = database.session_factory(engine, store.session_info())
    with sessions() as db:
        assert store_of(db) == store and store.database == "sqlite://"
    assert "secret" not in repr(store) and store.signing_key not in repr(store).encode()
    engine.dispose()
