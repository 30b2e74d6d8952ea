"""API key scopes: a key holds content, subscribers and/or settings; every editors' route needs one of them."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from service.migrations import upgrade
from tests.conftest import SiteWithKey

#: the editors' routes that need a scope other than content (path rule -> scope)
SUBSCRIBER_RULES = {
    "/api/v1/subscribers",
    "/api/v1/subscribers/export.csv",
    "/api/v1/subscribers/<int:subscriber_id>",
    "/api/v1/suppressions",
    "/api/v1/subscribers/<int:subscriber_id>/digest-preview",
    "/api/v1/digests/test",
    "/api/v1/digests/runs",
    "/api/v1/subscribers/<int:subscriber_id>/reading-history",
    "/api/v1/subscribers/imports",
    "/api/v1/subscribers/imports/<int:import_id>",
}
SETTINGS_RULES = {"/api/v1/site/settings"}
#: routes under /api/v1 that take no key (readers' browsers call them)
PUBLIC_PREFIXES = ("/api/v1/sites/", "/api/v1/widget", "/api/v1/webhooks/")


def _create_key(runner: Any, slug: str, *scopes: str) -> str:
    args = ["keys", "create", slug, "--name", "scoped"]
    for scope in scopes:
        args += ["--scope", scope]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return str(result.output.strip().splitlines()[-1])


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _scoped_rules(app: Flask) -> list[tuple[str, str, str]]:
    """(rule, method, scope) for every editors' API route."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        scope = getattr(view, "api_scope", None)
        if scope is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, scope))
    return found


def test_a_new_key_has_content_only_and_is_refused_subscribers_settings_and_exports(
    app: Flask, runner: Any, site_a: SiteWithKey, client: Any
) -> None:
    key = _create_key(runner, site_a.slug)
    assert client.get("/api/v1/articles", headers=_bearer(key)).status_code == 200
    for path in ("/api/v1/subscribers", "/api/v1/subscribers/export.csv", "/api/v1/digests/runs"):
        response = client.get(path, headers=_bearer(key))
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert client.get("/api/v1/site/settings", headers=_bearer(key)).status_code == 403
    patched = client.patch("/api/v1/site/settings", json={"privacy_url": "https://x.example/p"}, headers=_bearer(key))
    assert patched.status_code == 403
    assert client.get("/api/v1/site/settings", headers=site_a.headers).get_json()["settings"]["privacy_url"] == ""


def test_a_key_with_subscribers_reads_subscribers_but_not_settings(
    runner: Any, site_a: SiteWithKey, client: Any
) -> None:
    key = _create_key(runner, site_a.slug, "subscribers")
    assert client.get("/api/v1/subscribers", headers=_bearer(key)).status_code == 200
    assert client.get("/api/v1/subscribers/export.csv", headers=_bearer(key)).status_code == 200
    assert client.get("/api/v1/articles", headers=_bearer(key)).status_code == 403
    assert client.get("/api/v1/site/settings", headers=_bearer(key)).status_code == 403
    settings_key = _create_key(runner, site_a.slug, "settings")
    assert client.get("/api/v1/site/settings", headers=_bearer(settings_key)).status_code == 200


def test_every_editors_route_declares_its_scope(app: Flask) -> None:
    rules = _scoped_rules(app)
    declared = {rule for rule, _, _ in rules}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.startswith(PUBLIC_PREFIXES):
            assert rule.rule in declared, f"{rule.rule} has no API key scope"
    for rule, method, scope in rules:
        expected = "subscribers" if rule in SUBSCRIBER_RULES else "settings" if rule in SETTINGS_RULES else "content"
        assert scope == expected, f"{method} {rule} needs {expected}, declares {scope}"
    assert SUBSCRIBER_RULES <= declared and SETTINGS_RULES <= declared


def test_every_scoped_route_refuses_a_key_without_its_scope(runner: Any, site_a: SiteWithKey, client: Any) -> None:
    keys = {
        "content": _create_key(runner, site_a.slug, "subscribers", "settings"),
        "subscribers": _create_key(runner, site_a.slug, "content", "settings"),
        "settings": _create_key(runner, site_a.slug, "content", "subscribers"),
    }
    before = client.get("/api/v1/subscribers", headers=site_a.headers).get_json()
    checked = 0
    for rule, method, scope in _scoped_rules(client.application):
        path = re.sub(r"<(?:\w+:)?\w+>", "1", rule)
        response = client.open(path, method=method, json={}, headers=_bearer(keys[scope]))
        assert response.status_code == 403, f"{method} {path}"
        assert response.get_json()["error"]["code"] == "insufficient_scope"
        checked += 1
    assert checked >= 40
    assert client.get("/api/v1/subscribers", headers=site_a.headers).get_json() == before


def test_keys_list_and_admin_page_show_scopes(app: Flask, runner: Any, site_a: SiteWithKey, client: Any) -> None:
    from tests.admin.conftest import add_editor, post_form, sign_in

    _create_key(runner, site_a.slug, "subscribers", "content")
    listed = runner.invoke(args=["keys", "list", site_a.slug]).output
    assert "\tcontent,subscribers\t" in listed
    assert "\tcontent,subscribers,settings\t" in listed  # the fixture's key
    admin = add_editor(app, site_a.slug, "admin@clinic-a.example", "admin")
    sign_in(client, admin)
    created = post_form(
        client, f"/admin/{site_a.slug}/keys", {"name": "CMS", "scope_content": "y", "scope_settings": "y"}
    )
    assert created.status_code == 201
    key = re.search(r'value="(cr_[^"]+)"', created.get_data(as_text=True))
    assert key is not None
    assert client.get("/api/v1/site/settings", headers=_bearer(key.group(1))).status_code == 200
    assert client.get("/api/v1/subscribers", headers=_bearer(key.group(1))).status_code == 403
    page = client.get(f"/admin/{site_a.slug}/keys").get_data(as_text=True)
    assert '<td class="key-scopes">content, settings</td>' in page
    assert '<td class="key-scopes">content, subscribers</td>' in page


def test_keys_made_before_scopes_keep_every_scope(tmp_path: Path) -> None:
    """The migration gives existing keys all three scopes, so a CMS or export script keeps working."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0013_digest_clicks")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sites (slug, name, allowed_origins, brand_colour, postal_address, settings, created_at) "
                "VALUES ('old', 'Old', '[]', '#000000', '', '{}', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO api_keys (site_id, name, prefix, key_hash, created_at) "
                "SELECT id, 'legacy', :prefix, 'x', '2026-01-01 00:00:00' FROM sites"
            ),
            {"prefix": uuid.uuid4().hex[:12]},
        )
    upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT scopes FROM api_keys")).scalar_one() == "content,subscribers,settings"
        connection.execute(
            text(
                "INSERT INTO api_keys (site_id, name, prefix, key_hash, created_at) "
                "SELECT id, 'new', 'abc', 'y', '2026-01-02 00:00:00' FROM sites"
            )
        )
        assert connection.execute(text("SELECT scopes FROM api_keys WHERE prefix = 'abc'")).scalar_one() == "content"
        connection.rollback()
    engine.dispose()


@pytest.mark.parametrize("bad", ["everything", "content,admin"])
def test_unknown_scopes_are_refused_by_the_cli(runner: Any, site_a: SiteWithKey, bad: str) -> None:
    result = runner.invoke(args=["keys", "create", site_a.slug, "--scope", bad])
    assert result.exit_code != 0
    assert "Invalid value for '--scope'" in result.output
