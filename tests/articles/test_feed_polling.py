"""Polling real feeds over loopback HTTP into SQLite and PostgreSQL: status, back-off, nothing half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from articles.feeds.models import FeedPoll, FeedSource
from articles.feeds.polling import poll_due_feeds, poll_feed
from articles.feeds.sources import MAX_BACKOFF, FeedIn, add_feed
from articles.models import Article
from service import db as database
from service.db import utcnow
from service.sites import Site
from tests.articles.feed_samples import item, rss

LAST_MODIFIED = "Wed, 21 Oct 2026 07:28:00 GMT"


@pytest.fixture
def feeds_app(app):
    app.config.update(FEEDS_ALLOW_PRIVATE_HOSTS=True, FEEDS_FETCH_TIMEOUT=1.0)
    with app.app_context():
        yield app


@pytest.fixture
def db(feeds_app):
    with database.new_session() as session:
        yield session


def new_feed(db, site, url, interval=30) -> FeedSource:
    feed = add_feed(db, db.get(Site, site.site.id), FeedIn(url=url, interval_minutes=interval), allow_private=True)
    db.commit()
    return feed


def poll(db, feed, app, now=None) -> FeedPoll:
    return poll_feed(db, db.get(FeedSource, feed.id), now or utcnow(), app.config)


def article_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Article))


def test_etag_gives_304_that_only_records_the_poll(feeds_app, db, site_a, feed_server):
    feed_server.route("/f", body=rss([item(1), item(2)]), etag='"v1"')
    feed = new_feed(db, site_a, feed_server.url("/f"))
    first = poll(db, feed, feeds_app)
    assert (first.outcome, first.created) == ("ok", 2)
    assert db.get(FeedSource, feed.id).etag == '"v1"'
    now = utcnow()
    second = poll(db, feed, feeds_app, now)
    assert (second.outcome, second.http_status, second.entries_seen, second.created) == ("not_modified", 304, 0, 0)
    assert feed_server.requests_to("/f")[-1]["If-None-Match"] == '"v1"'
    stored = db.get(FeedSource, feed.id)
    db.refresh(stored)
    assert stored.last_status == "not_modified" and stored.consecutive_failures == 0
    assert stored.next_poll_at == now + timedelta(minutes=30)
    assert stored.last_counts["created"] == 2  # the last poll that read entries
    assert db.scalar(select(func.count()).select_from(FeedPoll).where(FeedPoll.feed_id == feed.id)) == 2


def test_last_modified_gives_304(feeds_app, db, site_a, feed_server):
    feed_server.route("/f", body=rss([item(1)]), last_modified=LAST_MODIFIED)
    feed = new_feed(db, site_a, feed_server.url("/f"))
    assert poll(db, feed, feeds_app).outcome == "ok"
    assert poll(db, feed, feeds_app).outcome == "not_modified"
    assert feed_server.requests_to("/f")[-1]["If-Modified-Since"] == LAST_MODIFIED


@pytest.mark.parametrize("status, moves", [(301, True), (308, True), (302, False)])
def test_redirects_followed_and_permanent_ones_stored(feeds_app, db, site_a, feed_server, status, moves):
    feed_server.route("/old", redirect_to="/new", status=status)
    feed_server.route("/new", body=rss([item(1)]))
    feed = new_feed(db, site_a, feed_server.url("/old"))
    result = poll(db, feed, feeds_app)
    assert (result.outcome, result.created) == ("ok", 1)
    stored = db.get(FeedSource, feed.id)
    db.refresh(stored)
    assert stored.url == feed_server.url("/new" if moves else "/old")


def failing_routes(server):
    """(path, route options, what the stored error says) for each kind of failure."""
    return [
        ("/slow", {"body": rss([item(1)]), "chunk_size": 20, "chunk_delay": 0.3}, "timed out after 1s", 200),
        ("/big", {"body": rss([item(i) for i in range(200)])}, "response larger than", 200),
        ("/error", {"body": b"oops", "status": 500}, "HTTP 500", 500),
        (
            "/page",
            {"body": b"<!doctype html><html><body>Hello</body></html>", "content_type": "text/html"},
            "not a feed: got text/html page",
            200,
        ),
    ]


@pytest.mark.parametrize("case", range(4))
def test_failures_store_status_back_off_and_write_nothing(feeds_app, db, site_a, feed_server, case):
    feeds_app.config["FEEDS_MAX_BYTES"] = 20_000
    path, options, message, http_status = failing_routes(feed_server)[case]
    feed_server.route(path, body=rss([item(1), item(2)]))
    feed = new_feed(db, site_a, feed_server.url(path), interval=30)
    assert poll(db, feed, feeds_app).created == 2
    feed_server.route(path, **options)
    before = article_count(db)
    for failures in (1, 2, 3):
        now = utcnow()
        result = poll(db, feed, feeds_app, now)
        assert result.outcome == "error" and message in result.error
        stored = db.get(FeedSource, feed.id)
        db.refresh(stored)
        assert stored.last_status == "error" and message in stored.last_error
        assert stored.last_http_status == http_status
        assert stored.consecutive_failures == failures
        assert stored.next_poll_at == now + timedelta(minutes=30 * 2**failures)
        assert article_count(db) == before
    feed_server.route(path, body=rss([item(1), item(2)]))
    recovered = poll(db, feed, feeds_app)
    stored = db.get(FeedSource, feed.id)
    db.refresh(stored)
    assert recovered.outcome == "ok" and stored.consecutive_failures == 0 and stored.last_error is None


def test_back_off_is_capped_at_a_day(feeds_app, db, site_a, feed_server):
    feed_server.route("/e", status=503, body=b"down")
    feed = new_feed(db, site_a, feed_server.url("/e"), interval=1440)
    now = utcnow()
    poll(db, feed, feeds_app, now)
    stored = db.get(FeedSource, feed.id)
    db.refresh(stored)
    assert stored.next_poll_at == now + MAX_BACKOFF


def test_gzip_body_is_imported(feeds_app, db, site_a, feed_server):
    feed_server.route("/gz", body=rss([item(1), item(2), item(3)]), gzip=True)
    feed = new_feed(db, site_a, feed_server.url("/gz"))
    assert poll(db, feed, feeds_app).created == 3


def test_malformed_feed_keeps_readable_entries_with_a_warning(feeds_app, db, site_a, feed_server):
    broken = rss([item(1), item(2)]).replace(b"</channel></rss>", b"<item><title>cut off")
    feed_server.route("/m", body=broken)
    feed = new_feed(db, site_a, feed_server.url("/m"))
    result = poll(db, feed, feeds_app)
    assert result.outcome == "ok" and result.created == 2 and result.warning
    stored = db.get(FeedSource, feed.id)
    db.refresh(stored)
    assert stored.last_warning == result.warning and stored.last_error is None


def test_unchanged_feed_writes_nothing_and_one_edit_updates_one_article(feeds_app, db, site_a, feed_server):
    entries = [item(i) for i in range(5)] + [item(9, pubDate=None)]  # one entry without a date
    feed_server.route("/f", body=rss(entries))
    feed = new_feed(db, site_a, feed_server.url("/f"))
    assert poll(db, feed, feeds_app).created == 6
    snapshot = {a.id: (a.updated_at, a.content_hash) for a in db.scalars(select(Article))}

    again = poll(db, feed, feeds_app, utcnow() + timedelta(hours=1))
    assert (again.outcome, again.created, again.updated, again.unchanged) == ("ok", 0, 0, 6)
    db.expire_all()
    assert {a.id: (a.updated_at, a.content_hash) for a in db.scalars(select(Article))} == snapshot

    entries[2] = item(2, title="Article 2, revised", description="<p>New advice on flu vaccines.</p>")
    feed_server.route("/f", body=rss(entries))
    edited = poll(db, feed, feeds_app)
    assert (edited.created, edited.updated, edited.unchanged) == (0, 1, 5)
    db.expire_all()
    after = {a.id: (a.updated_at, a.content_hash) for a in db.scalars(select(Article))}
    assert [i for i in after if after[i] != snapshot[i]] == [
        db.scalar(select(Article.id).where(Article.guid == "urn:clinic:2"))
    ]


def test_updated_date_alone_is_not_a_change(feeds_app, db, site_a, feed_server):
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        '<entry><id>urn:a:1</id><title>Flu shots</title><link href="https://news.example/a/1"/>'
        "<published>2026-11-01T09:00:00Z</published><updated>{}</updated><summary>Get one.</summary></entry></feed>"
    )
    feed_server.route("/a", body=atom.format("2026-11-02T09:00:00Z").encode(), content_type="application/atom+xml")
    feed = new_feed(db, site_a, feed_server.url("/a"))
    assert poll(db, feed, feeds_app).created == 1
    feed_server.route("/a", body=atom.format("2026-11-20T09:00:00Z").encode(), content_type="application/atom+xml")
    assert poll(db, feed, feeds_app).unchanged == 1


def test_editor_edits_survive_unless_the_site_says_otherwise(feeds_app, db, client, site_a, feed_server):
    feed_server.route("/f", body=rss([item(1), item(2)]))
    feed = new_feed(db, site_a, feed_server.url("/f"))
    poll(db, feed, feeds_app)
    article_id = db.scalar(select(Article.id).where(Article.guid == "urn:clinic:1"))
    response = client.patch(
        f"/api/v1/articles/{article_id}", json={"title": "Edited by the clinic"}, headers=site_a.headers
    )
    assert response.status_code == 200
    feed_server.route("/f", body=rss([item(1, title="Feed rewrite 1"), item(2, title="Feed rewrite 2")]))
    result = poll(db, feed, feeds_app)
    assert (result.updated, result.skipped_edited) == (1, 1)
    db.expire_all()
    assert db.get(Article, article_id).title == "Edited by the clinic"

    site = db.get(Site, site_a.site.id)
    site.settings = {**(site.settings or {}), "overwrite_editor_edits": True}
    db.commit()
    feed_server.route("/f", body=rss([item(1, title="Feed rewrite 1b"), item(2, title="Feed rewrite 2")]))
    result = poll(db, feed, feeds_app)
    assert (result.updated, result.skipped_edited, result.unchanged) == (1, 0, 1)
    db.expire_all()
    assert db.get(Article, article_id).title == "Feed rewrite 1b"


def test_broken_entries_rejected_while_the_others_import(feeds_app, db, site_a, feed_server):
    entries = [
        item(1),
        item(2, link="javascript:alert(1)"),
        item(3, link="https://news.example/" + "x" * 2100),
        item(4, title=None, description=None),
        item(5),
    ]
    feed_server.route("/f", body=rss(entries))
    feed = new_feed(db, site_a, feed_server.url("/f"))
    result = poll(db, feed, feeds_app)
    assert (result.outcome, result.entries_seen, result.created, result.rejected) == ("ok", 5, 2, 3)
    reasons = {r["guid"]: r["reason"] for r in result.rejections}
    assert "javascript" in reasons["urn:clinic:2"]
    assert reasons["urn:clinic:3"].startswith("invalid url:")
    assert "title" in reasons["urn:clinic:4"]
    assert article_count(db) == 2


def test_an_exception_while_importing_rolls_back_that_feed_only(feeds_app, db, site_a, feed_server, monkeypatch):
    from articles import store

    feed_server.route("/bad", body=rss([item(1), item(2), item(3)]))
    feed_server.route("/good", body=rss([item(i) for i in range(10, 13)]))
    bad = new_feed(db, site_a, feed_server.url("/bad"))
    good = new_feed(db, site_a, feed_server.url("/good"))
    real_upsert = store.upsert_article

    def failing_upsert(session, site, data, source="api"):  # fault injection: the 2nd write of /bad fails
        if data.url.endswith("/2"):
            raise RuntimeError("disk on fire")
        return real_upsert(session, site, data, source)

    monkeypatch.setattr(store, "upsert_article", failing_upsert)
    totals = poll_due_feeds(db, utcnow(), feeds_app.config)
    assert totals["due"] == 2 and totals["polled"] == 2 and totals["error"] == 1 and totals["created"] == 3
    stored = db.get(FeedSource, bad.id)
    db.refresh(stored)
    assert stored.last_error == "import failed: RuntimeError: disk on fire" and stored.consecutive_failures == 1
    assert db.get(FeedSource, good.id).last_status == "ok"
    urls = set(db.scalars(select(Article.canonical_url)))
    assert urls == {f"https://news.example/articles/{i}" for i in range(10, 13)}  # nothing of /bad half-written


def test_poll_due_feeds_takes_due_unpaused_feeds_oldest_first(feeds_app, db, site_a, feed_server):
    feed_server.route("/f", body=rss([item(1)]))
    now = utcnow()
    feeds = [new_feed(db, site_a, feed_server.url(f"/f?n={n}")) for n in range(4)]
    due_at = [
        now - timedelta(minutes=5),
        now - timedelta(minutes=50),
        now + timedelta(minutes=5),
        now - timedelta(minutes=1),
    ]
    for feed, at in zip(feeds, due_at, strict=True):
        db.get(FeedSource, feed.id).next_poll_at = at
    db.get(FeedSource, feeds[3].id).paused = True
    db.commit()
    feeds_app.config["FEEDS_PER_RUN"] = 1
    assert poll_due_feeds(db, now, feeds_app.config)["polled"] == 1
    assert db.scalar(select(FeedPoll.feed_id)) == feeds[1].id  # the longest waiting
    feeds_app.config["FEEDS_PER_RUN"] = 50
    totals = poll_due_feeds(db, now, feeds_app.config)
    assert (totals["due"], totals["polled"]) == (1, 1)  # feeds[0]; [2] not due, [3] paused
    assert poll_due_feeds(db, now, feeds_app.config)["due"] == 0


def test_private_address_refused_at_fetch_time_when_not_allowed(feeds_app, db, site_a, feed_server):
    feed_server.route("/f", body=rss([item(1)]))
    feed = new_feed(db, site_a, feed_server.url("/f"))  # stored while private hosts were allowed
    feeds_app.config["FEEDS_ALLOW_PRIVATE_HOSTS"] = False
    result = poll(db, feed, feeds_app)
    assert result.outcome == "error" and "private" in result.error
    assert article_count(db) == 0 and feed_server.requests_to("/f") == []  # not even fetched


def test_the_scheduler_task_calls_poll_due_feeds(feeds_app, db, site_a, feed_server):
    from jobs.tasks import poll_feeds

    feed_server.route("/f", body=rss([item(1), item(2)]))
    new_feed(db, site_a, feed_server.url("/f"))
    summary = poll_feeds(db, utcnow(), feeds_app.config)
    assert (summary["polled"], summary["ok"], summary["created"]) == (1, 1, 2)
