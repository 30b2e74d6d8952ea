"""The Synonyms admin page, and the article search hearing lay words (over HTTP, signed in as an editor)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from articles.synonyms.models import SiteSynonym
from service import db as database
from tests.admin.conftest import Account, add_editor, post_form, sign_in
from tests.conftest import SiteWithKey
from tests.newsletter.digest_fixtures import build_clinic

PAGE = "/admin/clinic-a/synonyms"


def synonym_count(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return db.scalar(select(func.count()).select_from(SiteSynonym)) or 0


def test_an_editor_adds_and_removes_a_synonym(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    sign_in(client, editor_a)
    page = client.get(PAGE)
    assert page.status_code == 200 and "Add a synonym" in page.get_data(as_text=True)
    added = post_form(client, PAGE, {"phrase": "stomach bug <b>", "means": "Norovirus Infections"})
    assert added.status_code == 302
    listing = client.get(PAGE).get_data(as_text=True)
    assert "stomach bug &lt;b&gt;" in listing and "<b>" not in listing.split("<main", 1)[-1].split("</main>")[0]
    assert "1 synonym" in listing
    delete_path = re.search(r'action="(/admin/clinic-a/synonyms/\d+/delete)"', listing)
    assert delete_path
    removed = post_form(client, delete_path.group(1), {}, token_from=PAGE)
    assert removed.status_code == 302 and synonym_count(app) == 0


def test_bad_or_repeated_phrases_are_shown_on_the_form(client: FlaskClient, editor_a: Account, app: Flask) -> None:
    sign_in(client, editor_a)
    assert post_form(client, PAGE, {"phrase": "", "means": "Diabetes"}).status_code == 422
    itself = post_form(client, PAGE, {"phrase": "Diabetes", "means": "diabetes"})
    assert itself.status_code == 422 and "cannot mean itself" in itself.get_data(as_text=True)
    no_words = post_form(client, PAGE, {"phrase": "?!", "means": "Diabetes"})
    assert no_words.status_code == 422 and "at least two letters" in no_words.get_data(as_text=True)
    assert post_form(client, PAGE, {"phrase": "sugar", "means": "Diabetes"}).status_code == 302
    again = post_form(client, PAGE, {"phrase": "SUGAR", "means": "Diabetes"})
    assert again.status_code == 409 and "already has a synonym" in again.get_data(as_text=True)
    assert synonym_count(app) == 1


def test_another_sites_editor_cannot_remove_a_synonym(
    client: FlaskClient, editor_a: Account, site_b: SiteWithKey, app: Flask
) -> None:
    sign_in(client, editor_a)
    post_form(client, PAGE, {"phrase": "sugar", "means": "Diabetes"})
    with app.app_context(), database.new_session() as db:
        synonym_id = db.scalar(select(SiteSynonym.id))
    other = app.test_client()
    sign_in(other, add_editor(app, site_b.slug, "editor@clinic-b.example"))
    own_page = "/admin/clinic-b/synonyms"
    refused = post_form(other, f"/admin/clinic-a/synonyms/{synonym_id}/delete", {}, token_from=own_page)
    assert refused.status_code in (403, 404)
    theirs = post_form(other, f"/admin/clinic-b/synonyms/{synonym_id}/delete", {}, token_from=own_page)
    assert theirs.status_code == 404
    assert synonym_count(app) == 1


def test_article_search_hears_lay_words_and_synonyms(client: FlaskClient, app: Flask) -> None:
    build_clinic(app, datetime.now(UTC) - timedelta(hours=3))
    editor = add_editor(app, "digest-clinic", "editor@digest.example")
    sign_in(client, editor)
    search = "/admin/digest-clinic/articles?q="

    def found(q: str) -> list[str]:
        html = client.get(search + q).get_data(as_text=True)
        return re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html)

    assert set(found("Back")[:2]) == {"Back Pain", "Back Injuries"}  # titles holding the search come first
    assert found("glycohemoglobin")[0] == "A1C"
    assert found("sciatica")[0] == "Sciatica"
    assert found("hay fever")[0] == "Hay Fever"
    assert found("creaky ladder") == []
    post_form(client, "/admin/digest-clinic/synonyms", {"phrase": "creaky ladder", "means": "Spinal Stenosis"})
    assert found("creaky ladder")[0] == "Spinal Stenosis"
