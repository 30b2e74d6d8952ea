"""Articles pages: validation errors on the form with nothing written, add, edit, preview, retire, search."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from articles import store
from articles.models import Article
from articles.related import updates
from articles.schemas import ArticleIn
from service import db as database
from service.sites import site_by_slug
from tests.admin.conftest import Account, post_form, sign_in

NEW = "/admin/clinic-a/articles/new"
GOOD = {
    "title": "Knee Pain and Exercise",
    "url": "https://Clinic-A.example/knee?utm_source=x",
    "body_html": "<p>Gentle <strong>exercise</strong> helps knee pain.</p><script>alert(1)</script>",
    "tags": "knee, exercise, knee",
    "categories": "Pain",
    "published_at": "2026-03-01T09:30",
    "status": "published",
    "author": "",
    "summary": "",
}


def _articles(app: Flask) -> list[Article]:
    with app.app_context(), database.new_session() as db:
        return list(db.scalars(select(Article).order_by(Article.id)))


def _add(app: Flask, count: int, **overrides: Any) -> None:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        with updates.deferred(db, site):
            for i in range(count):
                values = {
                    "url": f"https://clinic-a.example/a/{i}",
                    "title": f"Article {i:02d}",
                    "body_html": f"<p>Text number {i}</p>",
                    **overrides,
                }
                store.upsert_article(db, site, ArticleIn.model_validate(values), source="api")
        db.commit()


def test_invalid_fields_are_shown_on_the_form_and_nothing_is_written(
    client: FlaskClient, editor_a: Account, app: Flask
) -> None:
    sign_in(client, editor_a)
    response = post_form(
        client, NEW, {**GOOD, "title": "", "url": "ftp://nope", "published_at": "yesterday", "image_url": "not a url"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: Add an article" in body and "There is a problem" in body
    for field in ("title", "url", "published_at", "image_url"):
        assert f'href="#{field}"' in body and f'id="{field}-error"' in body  # summary links to the field's error
        assert f'aria-describedby="{field}-hint {field}-error"' in body or f'aria-describedby="{field}-error"' in body
    assert 'aria-invalid="true"' in body and "ISO 8601" in body
    assert 'value="ftp://nope"' in body  # ... so nothing typed is lost
    assert _articles(app) == []


def test_add_edit_preview_and_retire(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    sign_in(client, editor_a)
    created = post_form(client, NEW, GOOD)
    assert created.status_code == 302
    [article] = _articles(app)
    assert created.headers["Location"] == f"/admin/clinic-a/articles/{article.id}"
    assert article.canonical_url == "https://clinic-a.example/knee" and article.source == "admin"
    assert "<script>" not in article.body_html and article.tags == ["knee", "exercise"]
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "added." in page and 'value="Knee Pain and Exercise"' in page

    edit_path = created.headers["Location"]
    preview = post_form(
        client,
        edit_path,
        {**GOOD, "body_html": "<p onclick='x()'>New <em>text</em></p><iframe></iframe>", "preview": "1"},
    )
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and '<div class="article-body"><p>New <em>text</em></p></div>' in body
    assert _articles(app)[0].body_html == article.body_html  # a preview writes nothing

    saved = post_form(client, edit_path, {**GOOD, "title": "Knee Pain: Exercises That Help", "status": "draft"})
    assert saved.status_code == 302
    after = _articles(app)[0]
    assert after.title == "Knee Pain: Exercises That Help" and after.status == "draft" and after.edited_at is not None

    retired = post_form(client, f"{edit_path}/retire", {}, token_from=edit_path)
    assert retired.status_code == 302 and _articles(app)[0].status == "retired"
    assert "is retired" in client.get(edit_path).get_data(as_text=True)


def test_an_address_already_used_is_refused_on_the_url_field(
    client: FlaskClient, editor_a: Account, app: Flask
) -> None:
    _add(app, 2)
    sign_in(client, editor_a)
    response = post_form(client, NEW, {**GOOD, "url": "https://clinic-a.example/a/0"})
    assert response.status_code == 409 and "already has this address" in response.get_data(as_text=True)
    first, second = _articles(app)
    edit = post_form(client, f"/admin/clinic-a/articles/{second.id}", {**GOOD, "url": first.canonical_url})
    assert edit.status_code == 409 and 'id="url-error"' in edit.get_data(as_text=True)
    assert [a.title for a in _articles(app)] == ["Article 00", "Article 01"]


def test_search_filter_and_paginate(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    _add(app, 27, categories=["Heart"])
    _add(app, 1, url="https://clinic-a.example/draft", title="Sleep 100% Better", status="draft", categories=["Sleep"])
    sign_in(client, editor_a)
    first = client.get("/admin/clinic-a/articles").get_data(as_text=True)
    assert "28 articles" in first and "page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/admin/clinic-a/articles?page=2").get_data(as_text=True)
    assert second.count('<th scope="row">') == 3
    found = client.get("/admin/clinic-a/articles?q=100%25").get_data(as_text=True)
    assert "1 article match" in found and "Sleep 100% Better" in found
    assert "1 article match" in client.get("/admin/clinic-a/articles?status=draft").get_data(as_text=True)
    heart = client.get("/admin/clinic-a/articles?category=Heart&q=article 1").get_data(as_text=True)
    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', heart)
    # titles holding the search come first (Article 10-19), then what the index matches in the text
    assert sorted(rows[:10]) == [f"Article {n}" for n in range(10, 20)]
    assert "No articles match" in client.get("/admin/clinic-a/articles?q=zzz").get_data(as_text=True)
    assert client.get("/admin/clinic-a/articles?page=abc&status=bogus").status_code == 200


def test_dashboard_counts_articles_by_status(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    _add(app, 3)
    _add(app, 1, url="https://clinic-a.example/d", status="draft")
    sign_in(client, editor_a)
    body = client.get("/admin/clinic-a/").get_data(as_text=True)
    assert '<span class="stat-number">3</span>\n        <span class="stat-label">Published</span>' in body
    assert '<span class="stat-number">1</span>\n        <span class="stat-label">Draft</span>' in body
    with app.app_context(), database.new_session() as db:
        assert db.scalar(select(func.count()).select_from(Article)) == 4
