"""The audit log: every recorded action (through the API, the admin pages and the CLI) shows on the admin
page with who did it, filters by kind, stays per site, and an article's previous version can be restored."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from newsletter.models import Subscriber
from service import db as database
from service.audit import AuditEntry
from service.sites import site_by_slug
from tests.admin.conftest import Account, post_form, sign_in
from tests.conftest import SiteWithKey, article_payload

AUDIT = "/admin/clinic-a/audit"


def _entries(app: Flask, slug: str = "clinic-a") -> list[tuple[str, str, str, str]]:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        rows = db.scalars(select(AuditEntry).where(AuditEntry.site_id == site.id).order_by(AuditEntry.id))
        return [(e.actor, e.kind, e.action, e.summary) for e in rows]


def _article(client: FlaskClient, site: SiteWithKey, slug: str, title: str) -> int:
    payload = article_payload(url=f"https://clinic-a.example/{slug}", title=title)
    return int(client.post("/api/v1/articles", json=payload, headers=site.headers).get_json()["id"])


def test_every_kind_of_action_is_recorded_with_its_actor(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey, admin_a: Account
) -> None:
    h = site_a.headers
    first, second, third = (_article(client, site_a, f"a{n}", f"Knee pain {n}") for n in range(3))
    assert client.patch(f"/api/v1/articles/{first}", json={"title": "Knee pain, revised"}, headers=h).status_code == 200
    assert client.put(f"/api/v1/articles/{first}/pins", json={"ids": [second]}, headers=h).status_code == 200
    assert client.put(f"/api/v1/articles/{first}/blocks", json={"ids": [third]}, headers=h).status_code == 200
    rule = client.post("/api/v1/never-pairs", json={"tag_a": "knee", "tag_b": "sleep"}, headers=h).get_json()
    assert client.delete(f"/api/v1/never-pairs/{rule['id']}", headers=h).status_code == 204
    assert client.patch("/api/v1/site/settings", json={"digest_max_items": 8}, headers=h).status_code == 200
    assert client.delete(f"/api/v1/articles/{third}", headers=h).status_code == 200
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        subscriber = Subscriber(site_id=site.id, email="reader@example.org", email_hash="f" * 64, status="confirmed")
        db.add(subscriber)
        db.commit()
        subscriber_id = subscriber.id
    assert client.delete(f"/api/v1/subscribers/{subscriber_id}", headers=h).status_code == 204

    sign_in(client, admin_a)
    post_form(client, "/admin/clinic-a/keys", {"name": "Website CMS", "scope_content": "y"})
    editor = post_form(
        client,
        "/admin/clinic-a/editors",
        {"email": "sam@clinic-a.example", "name": "Sam", "role": "editor", "password": "x" * 12, "confirm": "x" * 12},
    )
    assert editor.status_code in (201, 302), editor.get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["sites", "set", "clinic-a", "click_counting=yes"]).exit_code == 0

    api = "API key “tests”"
    got = _entries(app)
    assert (api, "article", "created", "“Knee pain 0”") in got
    assert (api, "article", "edited", "“Knee pain, revised”: title") in got
    assert (api, "pin", "set", f"“Knee pain, revised”: pins {second} (were none)") in got
    assert (api, "block", "set", f"“Knee pain, revised”: blocks {third} (were none)") in got
    assert (api, "never_pair", "added", "“knee” never beside “sleep”") in got
    assert (api, "never_pair", "removed", "“knee” never beside “sleep”") in got
    assert (api, "settings", "changed", "digest_max_items") in got
    assert (api, "article", "retired", "“Knee pain 2”: status") in got
    assert (api, "erasure", "erased", f"subscriber {subscriber_id} and everything about them") in got
    assert ("editor admin@clinic-a.example", "key", "created", "“Website CMS”, scopes content") in got
    assert ("editor admin@clinic-a.example", "editor", "created", "sam@clinic-a.example (editor)") in got
    assert ("command line", "settings", "changed", "click_counting") in got
    assert not any("reader@example.org" in str(entry) for entry in got), "no subscriber's address in the log"
    assert _entries(app, site_b.slug) == []

    page = client.get(AUDIT).get_data(as_text=True)
    for summary in ("Knee pain, revised", "never beside", "digest_max_items", "Website CMS", "sam@clinic-a.example"):
        assert summary in page
    pins_only = client.get(f"{AUDIT}?kind=pin").get_data(as_text=True)
    assert len(re.findall(r'data-kind="(\w+)"', pins_only)) == 1 and 'data-kind="pin"' in pins_only


def test_an_article_is_restored_to_its_version_before_an_edit(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, admin_a: Account
) -> None:
    article_id = _article(client, site_a, "back", "Back pain")
    changed = {"title": "Back pain (new)", "tags": ["spine"], "body_html": "<p>Rewritten.</p>"}
    client.patch(f"/api/v1/articles/{article_id}", json=changed, headers=site_a.headers)
    sign_in(client, admin_a)
    page = client.get(f"{AUDIT}?kind=article").get_data(as_text=True)
    entry_id = re.search(
        r'id="entry-(\d+)" data-kind="article">\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*'
        r'<td><span class="badge">Articles</span> edited',
        page,
    )
    assert entry_id is not None
    restored = post_form(client, f"/admin/clinic-a/audit/{entry_id.group(1)}/restore", {}, token_from=AUDIT)
    assert restored.status_code == 302
    article = client.get(f"/api/v1/articles/{article_id}", headers=site_a.headers).get_json()
    assert article["title"] == "Back pain" and article["tags"] == ["nerve pain", "exercise"]
    assert "Nerve pain can improve" in article["body_html"]
    assert (
        "editor admin@clinic-a.example",
        "article",
        "restored",
        "“Back pain”: body_html, summary, tags, title",
    ) in _entries(app)


def test_only_administrators_read_the_audit_log(client: FlaskClient, editor_a: Account) -> None:
    sign_in(client, editor_a)
    assert client.get(AUDIT).status_code == 403
    assert client.post("/admin/clinic-a/audit/1/restore").status_code in (400, 403)
