"""The fitted index lives in the database: a process on another machine (its own VAR_DIR) loads what one
refitted instead of refitting, and the widget's read path never needs an index at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from articles.models import Article
from articles.related import index_cache
from articles.related.index_store import store_of
from articles.related.models import RelatedIndexBlob, RelatedList
from service import db as database
from service.sites import site_by_slug
from tests.articles.test_related_index import load_demo_topics, site_state
from tests.articles.test_related_pending import backlog
from tests.conftest import REPO_ROOT, SiteWithKey, article_payload

SITE_SIZE = 60  # past SMALL_SITE, so one new article is an incremental update, not a refit


def run_worker_elsewhere(app: Flask, var_dir: Path) -> str:
    """One pass of ``flask related work`` in a process of its own, with its own (empty) VAR_DIR; its log."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "VAR_DIR": str(var_dir),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "LOG_LEVEL": "INFO",
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "related", "work", "--once"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_a_refit_by_one_process_is_used_by_another_without_refitting(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, tmp_path: Path
) -> None:
    load_demo_topics(app, site_a.slug, SITE_SIZE)  # this process fits and stores the index
    fitted = site_state(app, site_a.slug)
    answer = client.post(
        "/api/v1/articles/bulk",
        json={"items": [article_payload(url="https://clinic-a.example/asthma-at-school", title="Asthma at School")]},
        headers=site_a.headers,
    )
    assert answer.status_code == 200
    new_id = answer.get_json()["items"][0]["id"]
    assert backlog(app, site_a.slug) == 1

    elsewhere = tmp_path / "other-machine"
    log = run_worker_elsewhere(app, elsewhere)

    assert backlog(app, site_a.slug) == 0
    after = site_state(app, site_a.slug)
    assert (after.token, after.fitted_at, after.fitted_count) == (fitted.token, fitted.fitted_at, SITE_SIZE)
    assert after.changed_since_fit == fitted.changed_since_fit + 1  # an incremental update on the loaded index
    assert "loaded the stored related index of site clinic-a (60 articles)" in log
    assert "fitted related index" not in log
    assert not (elsewhere / "indexes").exists()
    with app.app_context(), database.new_session() as db:
        stored = db.scalar(select(RelatedList).where(RelatedList.article_id == new_id))
        assert stored is not None and stored.items


def test_the_widget_read_path_never_loads_an_index(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    load_demo_topics(app, site_a.slug, 30)
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, site_a.slug)
        first = db.scalar(
            select(RelatedList.article_id).where(RelatedList.site_id == site.id).order_by(RelatedList.article_id)
        )
        page = db.get(Article, first)
        assert page is not None
        db.execute(delete(RelatedIndexBlob))  # no index anywhere: a read that needed one would have to fit
        db.commit()
        index_cache.forget(store_of(db), site.id)
    loads = index_cache.loads
    cached = dict(index_cache._cache)

    json_answer = client.get(f"/api/v1/sites/{site_a.slug}/related", query_string={"url": page.canonical_url})
    html_answer = client.get(f"/widget/{site_a.slug}/related", query_string={"url": page.canonical_url})

    assert json_answer.status_code == 200 and json_answer.get_json()["items"]
    assert html_answer.status_code == 200 and b"<a" in html_answer.data
    assert index_cache.loads == loads and index_cache._cache == cached
