"""On PostgreSQL, web processes keep widget answers until the database says their site changed (LISTEN/NOTIFY)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from articles.widget.change_feed import APPLICATION_NAME, change_feed
from tests.articles.test_public_api import widget_cache_counts
from tests.articles.widget_corpus import load_corpus, post_article, related, url_of
from tests.conftest import SiteWithKey, make_test_app

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def feed_app(app: Flask) -> Flask:
    app.config.update(WIDGET_CHANGE_FEED=True, WIDGET_MICROCACHE_SECONDS=0, WIDGET_CHANGE_FEED_MAX_SECONDS=60)
    return app


def hits(client: FlaskClient) -> tuple[float, float]:
    counts = widget_cache_counts(client)
    return counts.get(("micro", "hit"), 0.0), counts.get(("micro", "miss"), 0.0)


def listening(app: Flask, client: FlaskClient, timeout: float = 10.0) -> None:
    """Asks once (which starts the feed in this process), then waits until the feed is heard."""
    related(client, "clinic-a", url_of("knee-pain"))
    feed = change_feed(app)
    assert feed is not None
    deadline = time.monotonic() + timeout
    while feed.mark() is None:
        assert time.monotonic() < deadline, "the change feed never listened"
        time.sleep(0.02)


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def pin_then_shown(writer: FlaskClient, reader: FlaskClient, site: SiteWithKey, corpus: dict[str, int]) -> bool:
    """Pins "sleep" first on knee-pain's list through ``writer``; whether ``reader``'s answers show it in time."""
    pinned = writer.put(
        f"/api/v1/articles/{corpus['knee-pain']}/pins", json={"ids": [corpus["sleep"]]}, headers=site.headers
    )
    assert pinned.status_code == 200, pinned.get_data(as_text=True)
    return bool(
        eventually(
            lambda: related(reader, "clinic-a", url_of("knee-pain")).get_json()["items"][0]["id"] == corpus["sleep"]
        )
    )


def test_answers_are_reused_until_their_site_changes_then_read_afresh(
    feed_app: Flask, client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey
) -> None:
    corpus = load_corpus(client, site_a)
    listening(feed_app, client)
    first = related(client, "clinic-a", url_of("knee-pain"))
    before = hits(client)
    again = [related(client, "clinic-a", url_of("knee-pain")) for _ in range(3)]
    after = hits(client)
    assert [r.get_data() for r in again] == [first.get_data()] * 3
    assert (after[0] - before[0], after[1] - before[1]) == (3, 0)  # served from the process, no read

    # another clinic's writes leave this clinic's answers where they are
    post_article(client, site_b, "elsewhere", "Knee Pain Elsewhere", "knee pain exercises " * 30)
    time.sleep(0.3)
    before = hits(client)
    assert related(client, "clinic-a", url_of("knee-pain")).get_data() == first.get_data()
    assert hits(client)[0] - before[0] == 1

    # a pin rewrites the list: the next answers show it without waiting for any time to pass
    assert pin_then_shown(client, client, site_a, corpus), "the pinned article never showed"
    fresh = related(client, "clinic-a", url_of("knee-pain"))
    assert fresh.headers["ETag"] != first.headers["ETag"]


def test_a_change_made_by_another_process_is_heard(feed_app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    """A write by anything else that reaches the database (here a plain SQL connection) drops the kept answer."""
    corpus = load_corpus(client, site_a)
    listening(feed_app, client)
    first = related(client, "clinic-a", url_of("knee-pain")).get_json()
    assert related(client, "clinic-a", url_of("knee-pain")).get_json() == first
    other = create_engine(feed_app.config["DATABASE_URL"])
    with other.begin() as connection:
        connection.execute(
            text("UPDATE articles SET title = 'Knee Pain, Revised' WHERE id = :id"), {"id": corpus["knee-pain"]}
        )
    other.dispose()
    revised = eventually(
        lambda: related(client, "clinic-a", url_of("knee-pain")).get_json()["article"]["title"] == "Knee Pain, Revised"
    )
    assert revised, "the answer kept the old title"


def test_without_the_feed_nothing_is_kept_past_the_micro_cache(
    feed_app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    """When the listening connection is gone, answers are read afresh every time until it is back."""
    load_corpus(client, site_a)
    listening(feed_app, client)
    admin = create_engine(feed_app.config["DATABASE_URL"])
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": APPLICATION_NAME},
        )
    admin.dispose()
    feed = change_feed(feed_app)
    assert feed is not None
    assert eventually(lambda: feed.mark() is None, timeout=10), "the lost connection was not noticed"
    before = hits(client)
    for _ in range(3):
        assert related(client, "clinic-a", url_of("knee-pain")).status_code == 200
    after = hits(client)
    assert after[0] - before[0] == 0  # the feed is down: every answer was read afresh
    assert eventually(lambda: feed.mark() is not None, timeout=15), "the feed did not listen again"


def test_two_web_processes_each_hear_the_other_ones_writes(
    feed_app: Flask, client: FlaskClient, site_a: SiteWithKey, tmp_path: Path
) -> None:
    """Two apps on one database, as two gunicorn workers: each keeps its own answers and listens on its own
    connection; a pin saved through the first is shown by the second."""
    corpus = load_corpus(client, site_a)
    second = make_test_app(
        feed_app.config["DATABASE_URL"], tmp_path / "second", WIDGET_CHANGE_FEED=True, WIDGET_MICROCACHE_SECONDS=0
    )
    try:
        other = second.test_client()
        listening(second, other)
        first = related(other, "clinic-a", url_of("knee-pain")).get_json()
        before = hits(other)
        assert related(other, "clinic-a", url_of("knee-pain")).get_json() == first
        assert hits(other)[0] - before[0] == 1  # the second process answers from what it kept
        assert first["items"][0]["id"] != corpus["sleep"]
        assert pin_then_shown(client, other, site_a, corpus), "the second process kept the answer from before the pin"
    finally:
        second.extensions["db_engine"].dispose()


def test_a_notification_that_names_no_site_drops_every_kept_answer(
    feed_app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    """Anything the database's users send on the channel is heard; a payload that is not a site id (here junk sent
    with plain SQL) is taken as "everything may have changed", never as a reason to keep an answer."""
    load_corpus(client, site_a)
    listening(feed_app, client)
    related(client, "clinic-a", url_of("knee-pain"))
    before = hits(client)
    related(client, "clinic-a", url_of("knee-pain"))
    assert hits(client)[0] - before[0] == 1
    feed = change_feed(feed_app)
    assert feed is not None
    epoch = feed.epoch
    other = create_engine(feed_app.config["DATABASE_URL"])
    with other.begin() as connection:
        connection.execute(text("SELECT pg_notify('clinicreads_widget', :junk)"), {"junk": "'; DROP TABLE sites; --"})
    other.dispose()
    assert eventually(lambda: feed.epoch > epoch, timeout=5), "the notification was not heard"
    before = hits(client)
    assert related(client, "clinic-a", url_of("knee-pain")).status_code == 200
    assert hits(client)[1] - before[1] == 1  # read afresh
