"""The site settings page: the clinic's website address and the medical disclaimer of the emails."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service import db as database
from service.sites import DEFAULT_MEDICAL_DISCLAIMER, Site
from tests.admin.conftest import Account, post_form, sign_in
from tests.admin.test_site_admin import SETTINGS, VALID


def _settings(app: Flask) -> dict:
    with app.app_context(), database.new_session() as db:
        site = db.scalar(select(Site).where(Site.slug == "clinic-a"))
        return {name: site.setting(name) for name in ("website_url", "medical_disclaimer")}


def test_website_and_disclaimer_are_saved_and_shown(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    sign_in(client, admin_a)
    page = client.get(SETTINGS).get_data(as_text=True)
    assert 'name="website_url"' in page and DEFAULT_MEDICAL_DISCLAIMER in page
    values = {"website_url": "https://www.clinic-a.example/", "medical_disclaimer": "  Not advice.\n Call us.  "}
    assert post_form(client, SETTINGS, {**VALID, **values}).status_code == 302
    assert _settings(app) == {
        "website_url": "https://www.clinic-a.example/",
        "medical_disclaimer": "Not advice. Call us.",
    }
    # an empty address removes it; an empty disclaimer brings back the standard wording
    assert post_form(client, SETTINGS, {**VALID, "website_url": "", "medical_disclaimer": ""}).status_code == 302
    assert _settings(app) == {"website_url": "", "medical_disclaimer": DEFAULT_MEDICAL_DISCLAIMER}


def test_bad_website_or_disclaimer_change_nothing(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    sign_in(client, admin_a)
    before = _settings(app)
    for bad in (
        {"website_url": "javascript:alert(1)"},
        {"website_url": "www.clinic-a.example"},
        {"website_url": "https://" + "a" * 2000 + ".example"},
        {"medical_disclaimer": "x" * 1001},
    ):
        response = post_form(client, SETTINGS, {**VALID, "brand_colour": "#654321", **bad})
        body = response.get_data(as_text=True)
        assert response.status_code == 422, bad
        assert f'href="#{next(iter(bad))}"' in body
    assert _settings(app) == before
    with app.app_context(), database.new_session() as db:
        assert db.scalar(select(Site.brand_colour).where(Site.slug == "clinic-a")) != "#654321"
