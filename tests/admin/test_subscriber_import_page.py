"""The admin import page: administrators only, a dry run then the import, errors shown on the form."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from newsletter.models import Subscriber
from service import db as database
from tests.admin.conftest import Account, csrf_token, sign_in
from tests.conftest import SiteWithKey

PAGE = "/admin/clinic-a/subscribers/import"
CSV = b"email,status,consent_date\nana@example.com,subscribed,2024-03-01\nben@example.com,,\nnot-an-address,,\n"


def _count(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return db.scalar(select(func.count()).select_from(Subscriber)) or 0


def _upload(client: FlaskClient, data: bytes, dry_run: bool) -> object:
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    form = {"csrf_token": token, "file": (io.BytesIO(data), "list.csv")}
    if dry_run:
        form["dry_run"] = "y"
    return client.post(PAGE, data=form, content_type="multipart/form-data")


def test_an_admin_checks_then_imports_a_list(app: Flask, client: FlaskClient, admin_a: Account) -> None:
    sign_in(client, admin_a)
    assert "Import CSV" in client.get("/admin/clinic-a/subscribers").get_data(as_text=True)
    checked = _upload(client, CSV, dry_run=True)
    assert checked.status_code == 302
    report = client.get(checked.headers["Location"]).get_data(as_text=True)
    assert "Dry run" in report and "Nothing was imported" in report
    assert re.search(r'id="count-confirmed">1<', report) and re.search(r'id="count-pending">1<', report)
    assert re.search(r'id="count-invalid">1<', report) and "email:" in report
    assert _count(app) == 0
    imported = _upload(client, CSV, dry_run=False)
    page = client.get(imported.headers["Location"]).get_data(as_text=True)
    assert "Import" in page and "done" in page
    assert _count(app) == 2


def test_a_file_without_an_email_column_is_shown_on_the_form(app: Flask, client: FlaskClient, admin_a: Account) -> None:
    sign_in(client, admin_a)
    response = _upload(client, b"name\nAna\n", dry_run=False)
    assert response.status_code == 422
    assert "The header row has no email column." in response.get_data(as_text=True)
    latin1 = _upload(client, "email\ncafé@example.com\n".encode("latin-1"), dry_run=False)
    assert latin1.status_code == 422 and "UTF-8" in latin1.get_data(as_text=True)
    assert _count(app) == 0


def test_editors_and_other_sites_cannot_import(
    app: Flask, client: FlaskClient, editor_a: Account, admin_a: Account, site_b: SiteWithKey
) -> None:
    sign_in(client, editor_a)
    assert client.get(PAGE).status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf_token(client.get("/admin/clinic-a/").get_data(as_text=True))})
    sign_in(client, admin_a)
    assert client.get("/admin/clinic-b/subscribers/import").status_code == 403
    assert client.get("/admin/clinic-a/subscribers/imports/999").status_code == 404
