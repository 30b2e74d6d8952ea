"""Administrators' pages: site settings (with the widget snippet), API keys, editors."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from articles.models import Article
from service import db as database
from service.sites import DEFAULT_FIELD_WEIGHTS, Site
from tests.admin.conftest import Account, post_form, sign_in
from tests.conftest import SiteWithKey, article_payload

SETTINGS = "/admin/clinic-a/settings"
VALID = {
    "allowed_origins": "https://www.clinic-a.example/\nhttp://localhost:8080",
    "logo_url": "https://clinic-a.example/logo.png",
    "brand_colour": "#123ABC",
    "postal_address": "1 Main St\nSpringfield",
    "from_email": "news@clinic-a.example",
    "reply_to": "",
    "related_fallback": "y",
}


def _site(app: Flask) -> Site:
    with app.app_context(), database.new_session() as db:
        return db.scalar(select(Site).where(Site.slug == "clinic-a"))


def test_settings_are_saved(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    sign_in(client, admin_a)
    response = post_form(client, SETTINGS, VALID)
    assert response.status_code == 302
    site = _site(app)
    assert site.allowed_origins == ["https://www.clinic-a.example", "http://localhost:8080"]
    assert site.brand_colour == "#123abc" and site.from_email == "news@clinic-a.example" and site.reply_to is None
    assert site.setting("related_fallback") is True and site.setting("click_counting") is False
    page = client.get(SETTINGS).get_data(as_text=True)
    assert "Settings saved." in page and "https://www.clinic-a.example\nhttp://localhost:8080" in page


def test_invalid_settings_change_nothing(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    sign_in(client, admin_a)
    before = _site(app)
    response = post_form(
        client,
        SETTINGS,
        {
            **VALID,
            "allowed_origins": "https://ok.example\nnot an origin/path",
            "brand_colour": "green",
            "from_email": "nope",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("brand_colour", "from_email"):
        assert f'href="#{field}"' in body
    second = post_form(client, SETTINGS, {**VALID, "allowed_origins": "https://ok.example/path"})
    assert second.status_code == 422 and 'href="#allowed_origins"' in second.get_data(as_text=True)
    after = _site(app)
    assert (after.allowed_origins, after.brand_colour, after.from_email) == (
        before.allowed_origins,
        before.brand_colour,
        before.from_email,
    )


def test_settings_show_the_snippet_and_a_live_preview(
    client: FlaskClient, admin_a: Account, site_a: SiteWithKey
) -> None:
    client.post("/api/v1/articles", json=article_payload(), headers=site_a.headers)
    sign_in(client, admin_a)
    body = client.get(SETTINGS).get_data(as_text=True)
    assert '<script src="http://service.test/widget.js" async></script>' in html.unescape(body)
    assert "&lt;div data-clinic-reads data-site=&#34;clinic-a&#34;&gt;" in body  # shown as text, not run
    src = re.search(r'<iframe class="widget-preview" src="([^"]+)"', body)
    assert src and src.group(1).startswith("/widget/clinic-a/related?url=https")
    assert client.get(src.group(1).replace("&amp;", "&")).status_code in (200, 204, 404)


def test_keys_are_shown_once_and_can_be_revoked(client: FlaskClient, admin_a: Account) -> None:
    sign_in(client, admin_a)
    created = post_form(client, "/admin/clinic-a/keys", {"name": "Website CMS"})
    body = created.get_data(as_text=True)
    assert created.status_code == 201 and "shown only this once" in body
    plain = re.search(r'id="new-key" class="code" value="(cr_[^"]+)"', body).group(1)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/articles", headers=headers).status_code == 200
    listing = client.get("/admin/clinic-a/keys").get_data(as_text=True)
    assert plain not in listing and "Website CMS" in listing
    key_id = re.findall(r"/admin/clinic-a/keys/(\d+)/revoke", listing)[0]
    revoked = post_form(client, f"/admin/clinic-a/keys/{key_id}/revoke", {}, token_from="/admin/clinic-a/keys")
    assert revoked.status_code == 302
    assert client.get("/api/v1/articles", headers=headers).status_code == 401


def test_another_sites_key_cannot_be_revoked(client: FlaskClient, admin_a: Account, site_b: SiteWithKey) -> None:
    sign_in(client, admin_a)
    response = post_form(client, "/admin/clinic-a/keys/2/revoke", {}, token_from="/admin/clinic-a/keys")
    assert response.status_code == 404
    assert client.get("/api/v1/articles", headers=site_b.headers).status_code == 200


def test_admin_adds_and_disables_an_editor(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    sign_in(client, admin_a)
    bad = post_form(
        client,
        "/admin/clinic-a/editors",
        {"email": "new@clinic-a.example", "role": "editor", "password": "short", "confirm": "other"},
    )
    assert bad.status_code == 422 and 'href="#password"' in bad.get_data(as_text=True)
    taken = post_form(
        client,
        "/admin/clinic-a/editors",
        {"email": admin_a.email.upper(), "role": "editor", "password": "long enough pw", "confirm": "long enough pw"},
    )
    assert taken.status_code == 409 and "An editor with this email already exists." in taken.get_data(as_text=True)
    added = post_form(
        client,
        "/admin/clinic-a/editors",
        {"email": "New@Clinic-A.example", "role": "editor", "password": "long enough pw", "confirm": "long enough pw"},
    )
    assert added.status_code == 302
    newcomer = Account("new@clinic-a.example", "clinic-a", "editor", "long enough pw")
    other = app.test_client()
    assert sign_in(other, newcomer).status_code == 302
    page = client.get("/admin/clinic-a/editors").get_data(as_text=True)
    editor_id = re.findall(r"/admin/clinic-a/editors/(\d+)/disable", page)[0]
    post_form(client, f"/admin/clinic-a/editors/{editor_id}/disable", {}, token_from="/admin/clinic-a/editors")
    assert other.get("/admin/clinic-a/").status_code == 302  # their session ended
    assert sign_in(app.test_client(), newcomer).status_code == 401


def test_settings_page_compares_field_weights_on_one_article(
    client: FlaskClient, admin_a: Account, app: Flask, site_a: SiteWithKey
) -> None:
    from tests.articles.test_related_index import load_demo_topics

    load_demo_topics(app, site_a.slug, 30)
    with app.app_context(), database.new_session() as db:
        article_id = db.scalar(select(Article.id).where(Article.title == "Abdominal Pain"))
    sign_in(client, admin_a)
    weights = "try_title=8&try_summary=1&try_body=0&try_tags=5&try_categories=5"
    page = client.get(f"{SETTINGS}?try_article={article_id}&{weights}").get_data(as_text=True)
    assert "<h3>Now</h3>" in page and "<h3>With these weights</h3>" in page
    assert 'class="trial-new"' in page, "these weights bring other articles in"
    assert _site(app).setting("field_weights") == DEFAULT_FIELD_WEIGHTS, "trying saves nothing"
    bad = client.get(f"{SETTINGS}?try_article={article_id}&try_title=0.5").get_data(as_text=True)
    assert "The title weight is 0 (left out) or at least 1: it multiplies word counts." in bad
    assert "With these weights" not in bad
