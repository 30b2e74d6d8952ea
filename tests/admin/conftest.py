"""Helpers for the admin pages' tests: editors made through the domain functions, signing in, CSRF tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin.auth import create_editor
from service import db as database
from service.sites import site_by_slug
from tests.conftest import SiteWithKey

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@dataclass
class Account:
    email: str
    site: str
    role: str
    password: str = PASSWORD


def add_editor(app: Flask, slug: str, email: str, role: str = "editor", password: str = PASSWORD) -> Account:
    with app.app_context():
        with database.new_session() as db:
            create_editor(db, site_by_slug(db, slug), email, password, role)
            db.commit()
    return Account(email, slug, role, password)


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, path: str, data: dict[str, Any], token_from: str | None = None) -> Any:
    """GET ``token_from`` (default ``path``) for a CSRF token, then POST ``data`` with it."""
    page = client.get(token_from or path)
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def sign_in(client: FlaskClient, account: Account, password: str | None = None) -> Any:
    return post_form(client, "/admin/login", {"email": account.email, "password": password or account.password})


@pytest.fixture
def admin_a(app: Flask, site_a: SiteWithKey) -> Account:
    return add_editor(app, site_a.slug, "admin@clinic-a.example", "admin")


@pytest.fixture
def editor_a(app: Flask, site_a: SiteWithKey) -> Account:
    return add_editor(app, site_a.slug, "editor@clinic-a.example", "editor")


@pytest.fixture
def admin_b(app: Flask, site_b: SiteWithKey) -> Account:
    return add_editor(app, site_b.slug, "admin@clinic-b.example", "admin")
