"""Lost PostgreSQL connections during article writes: the cached related index never keeps what was not
committed, so later writes and lists are right without a refit.

The connection is cut where a failover or restart cuts it: the app's backend is terminated with
``pg_terminate_backend`` (found in ``pg_stat_activity`` by the ``application_name`` of the app's connections)
after the write's statements ran and before its COMMIT.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from articles.models import Article
from articles.related.models import RelatedLink, RelatedList
from service import db as database
from tests.articles.test_related_index import load_demo_topics
from tests.conftest import PG_ADMIN_URL, SiteWithKey, _empty_postgres, add_site, article_payload, make_test_app

pytestmark = pytest.mark.postgres

GHOST_TEXT = "Chilblains and frostnip: cold injuries of fingers and toes, rewarming and when to see a doctor."


class BackendKiller:
    """Terminates the app's backend once armed: just before the app's next COMMIT, or just before the app's next
    statement writing ``related_links`` (after the write changed the index, before its transaction ends)."""

    def __init__(self, application_name: str):
        self.application_name = application_name
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.armed: str | None = None  # "commit" or "statement"
        self.killed: list[int] = []

    def before_commit(self, _db: Session) -> None:
        if self.armed == "commit":
            self.kill()

    def before_cursor_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.armed == "statement" and statement.lstrip().upper().startswith("INSERT INTO RELATED_LINKS"):
            self.kill()

    def kill(self) -> None:
        self.armed = None
        with self.admin.connect() as connection:
            pids = connection.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = :name AND state = 'idle in transaction'"
                ),
                {"name": self.application_name},
            ).all()
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                alive = connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": list(pids)}
                )
                if not alive:
                    break
                time.sleep(0.05)
        self.killed.extend(pids)


@pytest.fixture
def killer_app(postgres_url: str, tmp_path: Any) -> Iterator[tuple[Flask, BackendKiller]]:
    _empty_postgres(postgres_url)
    name = f"clinicreads-fault-{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)
    app = make_test_app(url, tmp_path / "var")
    killer = BackendKiller(name)
    engine = app.extensions["db_engine"]
    event.listen(Session, "before_commit", killer.before_commit)
    event.listen(engine, "before_cursor_execute", killer.before_cursor_execute)
    try:
        yield app, killer
    finally:
        event.remove(Session, "before_commit", killer.before_commit)
        event.remove(engine, "before_cursor_execute", killer.before_cursor_execute)
        killer.admin.dispose()
        app.extensions["db_engine"].dispose()


def assert_lists_reference_only_committed_articles(app: Flask) -> set[int]:
    with app.app_context(), database.new_session() as db:
        committed = set(db.scalars(select(Article.id)))
        linked = set(db.scalars(select(RelatedLink.related_id)))
        listed = {item["id"] for items in db.scalars(select(RelatedList.items)) for item in items}
    assert linked <= committed, f"related_links point at uncommitted articles {linked - committed}"
    assert listed <= committed, f"stored lists show uncommitted articles {listed - committed}"
    return committed


@pytest.mark.parametrize("cut", ["statement", "commit"])
def test_a_write_cut_off_mid_transaction_leaves_no_ghost_in_later_lists(
    killer_app: tuple[Flask, BackendKiller], cut: str
) -> None:
    app, killer = killer_app
    client: FlaskClient = app.test_client()
    site: SiteWithKey = add_site(app, "clinic-a", origins=["https://clinic-a.example"])
    load_demo_topics(app, site.slug, 40)  # past SMALL_SITE: single writes update the index incrementally
    ghost = article_payload(url="https://clinic-a.example/ghost", title="Chilblains", body_html=f"<p>{GHOST_TEXT}</p>")

    killer.armed = cut
    response = client.post("/api/v1/articles", json=ghost, headers=site.headers)
    assert killer.killed, "no backend of the app was found idle in its transaction"
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"]

    created = []
    for number in range(4):  # each would list the ghost first: the same words
        payload = article_payload(
            url=f"https://clinic-a.example/cold-{number}",
            title=f"Chilblains, part {number}",
            body_html=f"<p>{GHOST_TEXT}</p>",
        )
        response = client.post("/api/v1/articles", json=payload, headers=site.headers)
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.get_json()["related_status"] == "current"
        created.append(response.get_json()["id"])

    committed = assert_lists_reference_only_committed_articles(app)
    assert "https://clinic-a.example/ghost" not in {
        a["url"] for a in client.get("/api/v1/articles?limit=200", headers=site.headers).get_json()["items"]
    }
    for article_id in created:
        response = client.get(f"/api/v1/articles/{article_id}/related", headers=site.headers)
        assert response.status_code == 200
        shown = {item["id"] for item in response.get_json()["items"]}
        assert shown and shown <= committed
        assert set(created) - {article_id} <= shown  # the siblings with the same words are listed
