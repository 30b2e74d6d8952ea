"""The editors' synonyms API (/api/v1/synonyms): key auth, validation, per-site isolation, and its effect on
what a digest holds (through the digest preview over HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from articles.synonyms.models import SiteSynonym
from service import db as database
from service.auth import SCOPES, create_api_key
from service.sites import site_by_slug
from tests.conftest import SiteWithKey
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic

API = "/api/v1/synonyms"


def add(client: FlaskClient, site: SiteWithKey, phrase: str = "stomach bug", means: str = "Norovirus") -> dict:
    response = client.post(API, json={"phrase": phrase, "means": means}, headers=site.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def count_rows(app: Flask) -> int:
    with app.app_context(), database.new_session() as db:
        return db.scalar(select(func.count()).select_from(SiteSynonym)) or 0


def test_add_list_show_change_and_delete(client: FlaskClient, site_a: SiteWithKey) -> None:
    created = add(client, site_a, "  Stomach Bug ", "Norovirus Infections")
    assert created["phrase"] == "Stomach Bug" and created["means"] == "Norovirus Infections"
    assert created["source"] == "editor" and created["created_at"].endswith("Z")
    listed = client.get(API, headers=site_a.headers).get_json()
    assert listed["total"] == 1 and [s["id"] for s in listed["items"]] == [created["id"]]
    assert client.get(f"{API}/{created['id']}", headers=site_a.headers).get_json() == created
    changed = client.patch(f"{API}/{created['id']}", json={"means": "Gastroenteritis"}, headers=site_a.headers)
    assert changed.status_code == 200 and changed.get_json()["means"] == "Gastroenteritis"
    assert client.get(f"{API}?source=also_called", headers=site_a.headers).get_json()["total"] == 0
    assert client.delete(f"{API}/{created['id']}", headers=site_a.headers).status_code == 204
    assert client.get(f"{API}/{created['id']}", headers=site_a.headers).status_code == 404


def test_a_key_is_required(client: FlaskClient, site_a: SiteWithKey, app: Flask) -> None:
    for response in (
        client.get(API),
        client.post(API, json={"phrase": "a b", "means": "c d"}),
        client.get(API, headers={"Authorization": "Bearer cr_nope_nope"}),
        client.delete(f"{API}/1", headers={"Authorization": "Basic abc"}),
    ):
        assert response.status_code == 401
        assert response.get_json()["error"]["code"]
    assert count_rows(app) == 0


def test_bad_input_is_refused_with_the_field_named_and_nothing_written(
    client: FlaskClient, site_a: SiteWithKey, app: Flask
) -> None:
    cases = [
        ({"phrase": "", "means": "Diabetes"}, 422, "phrase"),
        ({"phrase": "sugar", "means": "   "}, 422, "means"),
        ({"phrase": "!!", "means": "Diabetes"}, 422, "phrase"),
        ({"phrase": "x" * 201, "means": "Diabetes"}, 422, "phrase"),
        ({"phrase": "one two three four five six seven eight nine", "means": "Diabetes"}, 422, "phrase"),
        ({"phrase": "sugar", "means": "Diabetes", "extra": 1}, 422, "extra"),
        ({"phrase": 5, "means": "Diabetes"}, 422, "phrase"),
        ({"phrase": "Sugar ", "means": "sugar"}, 422, "means"),
    ]
    for body, status, field in cases:
        response = client.post(API, json=body, headers=site_a.headers)
        assert response.status_code == status, body
        assert field in response.get_json()["error"]["fields"], (body, response.get_json())
    malformed = client.post(API, data="{", content_type="application/json", headers=site_a.headers)
    assert malformed.status_code == 400 and malformed.get_json()["error"]["code"] == "malformed_json"
    assert client.post(API, json=["sugar"], headers=site_a.headers).status_code == 422
    assert client.get(f"{API}?source=nobody", headers=site_a.headers).status_code == 400
    assert client.get(f"{API}?limit=0", headers=site_a.headers).status_code == 400
    assert count_rows(app) == 0


def test_one_phrase_once_per_site_whatever_its_case_and_spacing(client: FlaskClient, site_a: SiteWithKey) -> None:
    first = add(client, site_a, "stomach bug", "Norovirus")
    again = client.post(API, json={"phrase": "Stomach   BUG", "means": "Gastroenteritis"}, headers=site_a.headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate"
    other = add(client, site_a, "tummy bug", "Norovirus")
    clash = client.patch(f"{API}/{other['id']}", json={"phrase": "STOMACH bug"}, headers=site_a.headers)
    assert clash.status_code == 409
    assert client.get(f"{API}/{first['id']}", headers=site_a.headers).get_json()["means"] == "Norovirus"


def test_each_site_sees_and_changes_only_its_own(client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey) -> None:
    mine = add(client, site_a, "stomach bug", "Norovirus")
    theirs = add(client, site_b, "stomach bug", "Gastroenteritis")  # the same phrase is free on another site
    assert [s["id"] for s in client.get(API, headers=site_b.headers).get_json()["items"]] == [theirs["id"]]
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"means": "Flu"}} if method == "patch" else {}
        response = getattr(client, method)(f"{API}/{mine['id']}", headers=site_b.headers, **kwargs)
        assert response.status_code == 404, method
    assert client.get(f"{API}/{mine['id']}", headers=site_a.headers).get_json()["means"] == "Norovirus"


def _clinic_key(app: Flask, slug: str = "digest-clinic") -> dict[str, str]:
    with app.app_context(), database.new_session() as db:
        _, key = create_api_key(db, site_by_slug(db, slug), "tests", SCOPES)
        db.commit()
    return {"Authorization": f"Bearer {key}"}


def _preview_titles(client: FlaskClient, headers: dict[str, str], subscriber_id: int) -> list[str]:
    response = client.get(f"/api/v1/subscribers/{subscriber_id}/digest-preview", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


def test_digests_hear_rare_and_lay_words_and_the_sites_synonyms(client: FlaskClient, app: Flask) -> None:
    now = datetime.now(UTC)
    build_clinic(app, now - timedelta(hours=3))
    headers = _clinic_key(app)
    rare = add_subscriber(app, "rare@example.org", [], now, text="sciatica")
    lay = add_subscriber(app, "lay@example.org", [], now, text="glycohemoglobin")
    own = add_subscriber(app, "own@example.org", [], now, text="creaky ladder")
    assert _preview_titles(client, headers, rare)[0] == "Sciatica"
    assert _preview_titles(client, headers, lay)[0] == "A1C"
    assert _preview_titles(client, headers, own) == []  # no article has these words
    response = client.post(API, json={"phrase": "Creaky ladder", "means": "Spinal Stenosis"}, headers=headers)
    assert response.status_code == 201
    assert _preview_titles(client, headers, own)[0] == "Spinal Stenosis"


def test_a_patch_setting_a_field_to_null_is_refused_and_id_0_is_not_found(
    client: FlaskClient, site_a: SiteWithKey
) -> None:
    created = client.post("/api/v1/synonyms", json={"phrase": "lumbago", "means": "back pain"}, headers=site_a.headers)
    synonym = created.get_json()
    for body in ({"phrase": None}, {"means": None}):
        response = client.patch(f"/api/v1/synonyms/{synonym['id']}", json=body, headers=site_a.headers)
        assert response.status_code == 422
        assert "cannot be null" in next(iter(response.get_json()["error"]["fields"].values()))
    shown = client.get(f"/api/v1/synonyms/{synonym['id']}", headers=site_a.headers).get_json()
    assert (shown["phrase"], shown["means"]) == ("lumbago", "back pain")
    assert client.patch("/api/v1/synonyms/0", json={"phrase": "x y"}, headers=site_a.headers).status_code == 404
