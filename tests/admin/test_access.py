"""Roles, site separation and CSRF: through the test client on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from articles.models import Article
from service import db as database
from service.sites import Site
from tests.admin.conftest import Account, csrf_token, post_form, sign_in
from tests.conftest import SiteWithKey, article_payload

ADMIN_ONLY = ("/admin/clinic-a/settings", "/admin/clinic-a/keys", "/admin/clinic-a/editors")


def _article_count(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return db.scalar(select(func.count()).select_from(Article)) or 0


@pytest.mark.parametrize("path", ADMIN_ONLY)
def test_editor_cannot_open_admin_pages(client: FlaskClient, editor_a: Account, path: str) -> None:
    sign_in(client, editor_a)
    assert client.get(path).status_code == 403
    token = csrf_token(client.get("/admin/clinic-a/").get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token, "name": "sneaky"}).status_code == 403
    nav = client.get("/admin/clinic-a/").get_data(as_text=True)
    assert path not in nav and "/admin/clinic-a/articles" in nav  # the nav shows only what the role may open


def test_admin_opens_admin_pages(client: FlaskClient, admin_a: Account) -> None:
    sign_in(client, admin_a)
    for path in ADMIN_ONLY:
        assert client.get(path).status_code == 200, path


def test_editor_of_one_site_cannot_open_another(
    client: FlaskClient, admin_a: Account, admin_b: Account, site_b: SiteWithKey
) -> None:
    created = client.post(
        "/api/v1/articles", json=article_payload(url="https://clinic-b.example/x"), headers=site_b.headers
    )
    b_article = created.get_json()["id"]
    sign_in(client, admin_a)
    for path in (
        "/admin/clinic-b/",
        "/admin/clinic-b/articles",
        "/admin/clinic-b/settings",
        "/admin/clinic-b/keys",
        f"/admin/clinic-b/articles/{b_article}",
        f"/admin/clinic-b/articles/{b_article}/related",
    ):
        assert client.get(path).status_code == 403, path
    # site B's article through site A's own pages: refused as well
    assert client.get(f"/admin/clinic-a/articles/{b_article}").status_code == 403
    token = csrf_token(client.get("/admin/clinic-a/").get_data(as_text=True))
    assert client.post(f"/admin/clinic-b/articles/{b_article}/retire", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/clinic-a/articles/{b_article}/retire", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/api/v1/articles/{b_article}", headers=site_b.headers).get_json()["status"] == "published"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/clinic-a/articles/new",
        "/admin/clinic-a/settings",
        "/admin/clinic-a/keys",
        "/admin/logout",
        "/admin/clinic-a/never-pair",
    ],
)
def test_forms_without_their_csrf_token_are_refused(
    client: FlaskClient, admin_a: Account, app: Flask, path: str
) -> None:
    sign_in(client, admin_a)
    data = {
        "title": "Knee pain",
        "url": "https://clinic-a.example/knee",
        "status": "published",
        "brand_colour": "#000000",
        "name": "key",
        "tag_a": "a",
        "tag_b": "b",
    }
    response = client.post(path, data=data)
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    forged = client.post(path, data={**data, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert _article_count(app) == 0
    with app.app_context(), database.new_session() as db:
        assert db.scalar(select(Site.brand_colour).where(Site.slug == "clinic-a")) != "#000000"
    assert client.get("/admin/clinic-a/").status_code == 200  # still signed in


def test_sign_in_form_needs_its_csrf_token(client: FlaskClient, admin_a: Account) -> None:
    response = client.post("/admin/login", data={"email": admin_a.email, "password": admin_a.password})
    assert response.status_code == 400
    assert client.get("/admin/clinic-a/").status_code == 302


def test_json_api_stays_exempt(client: FlaskClient, admin_a: Account, site_a: SiteWithKey) -> None:
    sign_in(client, admin_a)  # even with a session cookie, the API wants only its Bearer key
    response = client.post("/api/v1/articles", json=article_payload(), headers=site_a.headers)
    assert response.status_code == 201
    assert post_form(client, "/admin/clinic-a/articles/new", {}).status_code in (200, 422)
