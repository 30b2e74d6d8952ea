"""HEAD and GET change nothing: every route that accepts POST, PUT, PATCH or DELETE is sent both, with real
tokens and ids, by a signed-in administrator holding an API key; the whole database is compared before and after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import clinicreads.models
from admin.account_links import make_link_token
from admin.models import Editor
from newsletter.inputs import Preferences, Signup
from newsletter.models import Subscriber
from newsletter.subscriptions import confirm, request_subscription, token_for
from service import db as database
from service.db import utcnow
from service.sites import site_by_slug
from tests.admin.conftest import add_editor, sign_in
from tests.conftest import SiteWithKey, add_site, article_payload, make_test_app

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN_PURPOSE = {"confirm": "confirm", "unsubscribe": "unsubscribe", "one_click": "unsubscribe"}


def snapshot(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, as sorted text (what "nothing changed" is measured against)."""
    with app.app_context(), database.new_session() as db:
        return {
            table.name: sorted(repr(tuple(row)) for row in db.execute(select(table)).all())
            for table in clinicreads.models.Base.metadata.sorted_tables
        }


def _subscribers(app: Flask, slug: str) -> tuple[Subscriber, Subscriber]:
    """A pending and a confirmed subscriber (detached, with their ids and hashes loaded)."""
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        prefs = Preferences(topics=["Pain"])
        pending = request_subscription(db, site, Signup("pending@example.org", prefs), utcnow()).subscriber
        confirmed = request_subscription(db, site, Signup("confirmed@example.org", prefs), utcnow()).subscriber
        assert pending is not None and confirmed is not None
        confirm(confirmed, utcnow())
        db.commit()
        for person in (pending, confirmed):
            db.refresh(person)
            _ = person.site
        db.expunge_all()
        return pending, confirmed


def _sample(rule: Any, name: str) -> Any:
    """A value the rule's converter accepts: the first of an ``any(...)`` choice, else 1."""
    items = getattr(rule._converters[name], "items", None)
    return sorted(items)[0] if items else 1


def _path(app: Flask, rule: Any, values: dict[str, Any]) -> str:
    with app.test_request_context():
        adapter = app.url_map.bind("service.test")
        method = sorted((rule.methods or set()) & UNSAFE)[0]
        return str(adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments}, method=method))


def _editor_link(app: Flask, email: str) -> str:
    """A password-reset link token of the editor with ``email``."""
    with app.app_context(), database.new_session() as db:
        editor = db.scalars(select(Editor).where(Editor.email == email)).one()
        return make_link_token(app.config["SECRET_KEY"], "reset", editor)


def test_head_and_get_change_nothing_on_any_route_that_changes_state(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    admin = add_editor(app, site_a.slug, "admin@clinic-a.example", "admin")
    assert sign_in(client, admin).status_code == 302
    created = client.post("/api/v1/articles", json=article_payload(), headers=site_a.headers)
    assert created.status_code == 201, created.get_json()
    pending, confirmed = _subscribers(app, site_a.slug)
    secret = app.config["SECRET_KEY"]
    generic = {
        "site": site_a.slug,
        "slug": site_a.slug,
        "subscriber_id": confirmed.id,
        "article_id": created.get_json()["id"],
    }

    before = snapshot(app)
    tried = []
    for rule in app.url_map.iter_rules():
        if not (rule.methods or set()) & UNSAFE:
            continue
        values: dict[str, Any] = {name: _sample(rule, name) for name in rule.arguments} | {
            k: v for k, v in generic.items() if k in rule.arguments
        }
        if rule.endpoint == "admin.accept_link":  # an editor's emailed link, not a subscriber's
            values |= {"purpose": "reset", "token": _editor_link(app, admin.email)}
        elif "token" in rule.arguments:
            name = rule.endpoint.rsplit(".", 1)[-1]
            purpose = TOKEN_PURPOSE.get(name, name)
            person = pending if purpose == "confirm" else confirmed
            values["token"] = token_for(person, purpose, secret)
        path = _path(app, rule, values)
        for method in ("HEAD", "GET"):
            response = client.open(path, method=method, headers=site_a.headers)
            assert response.status_code < 500, (method, path, response.status_code)
            tried.append((method, rule.endpoint))
        assert snapshot(app) == before, f"HEAD or GET {path} ({rule.endpoint}) changed the database"

    endpoints = {endpoint for _, endpoint in tried}
    for important in (
        "newsletter_public.confirm",
        "newsletter_public.unsubscribe",
        "newsletter_public.one_click",
        "admin.subscriber_erase",
    ):
        assert important in endpoints
    assert len(endpoints) >= 20
    with app.app_context(), database.new_session() as db:
        statuses = dict(db.execute(select(Subscriber.email, Subscriber.status)).tuples().all())
    assert statuses == {"pending@example.org": "pending", "confirmed@example.org": "confirmed"}


def test_head_of_a_confirmation_link_shows_the_button_and_confirms_nothing(database_url: str, tmp_path: Path) -> None:
    app = make_test_app(database_url, tmp_path / "var", PUBLIC_BASE_URL="https://service.test")
    try:
        _confirm_only_on_post(app)
    finally:
        app.extensions["db_engine"].dispose()


def _confirm_only_on_post(app: Flask) -> None:
    add_site(app, "clinic-a", postal_address="1 Harbour Road", from_email="news@clinic-a.example.org")
    pending, _ = _subscribers(app, "clinic-a")
    path = f"/newsletter/clinic-a/confirm/{token_for(pending, 'confirm', app.config['SECRET_KEY'])}"
    client = app.test_client()
    assert client.head(path).status_code == 200
    assert client.get(path).status_code == 200
    with app.app_context(), database.new_session() as db:
        assert db.scalar(select(Subscriber.status).where(Subscriber.id == pending.id)) == "pending"
    assert "you are subscribed" in client.post(path).get_data(as_text=True).lower()
    with app.app_context(), database.new_session() as db:
        assert db.scalar(select(Subscriber.status).where(Subscriber.id == pending.id)) == "confirmed"
