"""Editors manage reader topics in the admin pages: add, edit, delete (CSRF-protected), one site only;
administrators set the privacy notice URL and default time zone in site settings."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from service import db as database
from service.sites import site_by_slug
from tests.admin.conftest import Account, post_form, sign_in
from tests.admin.test_site_admin import SETTINGS, VALID
from tests.conftest import SiteWithKey

TOPICS = "/admin/clinic-a/topics"


def topic_ids(page: str) -> dict[str, int]:
    return {html.unescape(name): int(i) for i, name in re.findall(r'/topics/(\d+)"><strong>([^<]+)</strong>', page)}


def test_an_editor_adds_edits_and_deletes_a_topic(client: FlaskClient, editor_a: Account, site_a: SiteWithKey) -> None:
    sign_in(client, editor_a)
    form = {"name": "Back and neck pain", "description": "Aching backs", "match_terms": "sciatica\nneck pain"}
    added = post_form(client, TOPICS, {**form, "position": "2", "active": "y"})
    assert added.status_code == 302
    page = client.get(TOPICS).get_data(as_text=True)
    assert "Topic “Back and neck pain” saved." in page
    topic_id = topic_ids(page)["Back and neck pain"]
    api = client.get(f"/api/v1/topics/{topic_id}", headers=site_a.headers).get_json()
    assert api["match_terms"] == ["sciatica", "neck pain"] and api["position"] == 2 and api["active"] is True

    edit = f"{TOPICS}/{topic_id}"
    assert "sciatica\nneck pain" in client.get(edit).get_data(as_text=True)
    changed = post_form(client, edit, {**form, "name": "Back pain", "match_terms": "sciatica", "position": "0"})
    assert changed.status_code == 302
    api = client.get(f"/api/v1/topics/{topic_id}", headers=site_a.headers).get_json()
    assert (api["name"], api["match_terms"], api["active"]) == ("Back pain", ["sciatica"], False)

    assert client.post(f"{edit}/delete").status_code == 400  # no CSRF token
    assert post_form(client, f"{edit}/delete", {}, token_from=TOPICS).status_code == 302
    assert client.get(f"/api/v1/topics/{topic_id}", headers=site_a.headers).status_code == 404


def test_a_taken_name_and_bad_input_are_shown_on_the_form(
    client: FlaskClient, editor_a: Account, site_a: SiteWithKey
) -> None:
    sign_in(client, editor_a)
    assert post_form(client, TOPICS, {"name": "Sleep", "active": "y"}).status_code == 302
    taken = post_form(client, TOPICS, {"name": "SLEEP", "active": "y"})
    assert taken.status_code == 409 and "A topic with this name already exists." in taken.get_data(as_text=True)
    empty = post_form(client, TOPICS, {"name": "", "match_terms": "x" * 101})
    assert empty.status_code == 422 and "Enter a name." in empty.get_data(as_text=True)
    assert len(client.get("/api/v1/topics", headers=site_a.headers).get_json()["items"]) == 1


def test_another_sites_topic_is_not_found(
    client: FlaskClient, admin_b: Account, editor_a: Account, site_a: SiteWithKey
) -> None:
    topic = client.post("/api/v1/topics", json={"name": "Sleep"}, headers=site_a.headers).get_json()
    sign_in(client, admin_b)
    assert client.get(f"/admin/clinic-b/topics/{topic['id']}").status_code == 404


def test_privacy_url_and_default_time_zone_are_site_settings(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    sign_in(client, admin_a)
    bad = post_form(client, SETTINGS, {**VALID, "privacy_url": "not a url", "default_time_zone": "Mars/Base"})
    assert bad.status_code == 422
    assert "Enter a time zone such as" in bad.get_data(as_text=True)
    good = {**VALID, "privacy_url": "https://clinic-a.example/privacy", "default_time_zone": "America/Chicago"}
    assert post_form(client, SETTINGS, good).status_code == 302
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        assert site.setting("privacy_url") == "https://clinic-a.example/privacy"
        assert site.setting("default_time_zone") == "America/Chicago"
    assert 'href="https://clinic-a.example/privacy"' in client.get("/newsletter/clinic-a").get_data(as_text=True)
