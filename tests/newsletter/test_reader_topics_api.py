"""The editors' reader-topics API: create, list, read, change, delete; validation, names unique per site."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import SiteWithKey

TOPIC = {
    "name": "Back and neck pain",
    "description": "Aching backs, stiff necks, sciatica",
    "match_terms": ["back pain", "sciatica", "neck pain"],
    "labels": ["Bones, Joints and Muscles"],
}


def test_an_editor_creates_lists_changes_and_deletes_a_topic(client: FlaskClient, site_a: SiteWithKey) -> None:
    created = client.post("/api/v1/topics", json=TOPIC, headers=site_a.headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert {k: body[k] for k in TOPIC} == TOPIC and body["active"] is True and body["position"] == 0
    topic_id = body["id"]

    second = client.post("/api/v1/topics", json={"name": "Sleep", "position": -1}, headers=site_a.headers)
    assert second.get_json()["match_terms"] == ["Sleep"]  # no terms given: the name is what it matches
    listed = client.get("/api/v1/topics", headers=site_a.headers).get_json()["items"]
    assert [t["name"] for t in listed] == ["Sleep", "Back and neck pain"]  # by position

    patched = client.patch(f"/api/v1/topics/{topic_id}", json={"active": False}, headers=site_a.headers)
    assert patched.status_code == 200 and patched.get_json()["active"] is False
    assert patched.get_json()["match_terms"] == TOPIC["match_terms"]  # a patch keeps what it does not name
    active = client.get("/api/v1/topics?active=true", headers=site_a.headers).get_json()["items"]
    assert [t["name"] for t in active] == ["Sleep"]
    assert client.get(f"/api/v1/topics/{topic_id}", headers=site_a.headers).get_json()["active"] is False

    assert client.delete(f"/api/v1/topics/{topic_id}", headers=site_a.headers).status_code == 204
    assert client.get(f"/api/v1/topics/{topic_id}", headers=site_a.headers).status_code == 404


def test_names_are_unique_per_site_whatever_their_case(
    client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey
) -> None:
    assert client.post("/api/v1/topics", json=TOPIC, headers=site_a.headers).status_code == 201
    again = client.post("/api/v1/topics", json={"name": "BACK AND NECK PAIN"}, headers=site_a.headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "topic_exists"
    assert client.post("/api/v1/topics", json={"name": "back and neck pain"}, headers=site_b.headers).status_code == 201
    other = client.post("/api/v1/topics", json={"name": "Sleep"}, headers=site_a.headers).get_json()
    renamed = client.patch(f"/api/v1/topics/{other['id']}", json={"name": "Back and Neck Pain"}, headers=site_a.headers)
    assert renamed.status_code == 409


def test_bad_input_names_every_field(client: FlaskClient, site_a: SiteWithKey) -> None:
    response = client.post(
        "/api/v1/topics",
        json={"name": " ", "match_terms": "x" * 101, "position": "first", "active": "yes"},
        headers=site_a.headers,
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"name", "match_terms", "position", "active"}
    unknown = client.post("/api/v1/topics", json={"name": "Sleep", "colour": "red"}, headers=site_a.headers)
    assert unknown.status_code == 422 and unknown.get_json()["error"]["fields"] == {"colour": "unknown field"}
    assert client.post("/api/v1/topics", json=["Sleep"], headers=site_a.headers).status_code == 422
    assert client.get("/api/v1/topics", headers=site_a.headers).get_json()["items"] == []  # nothing half-written


def test_a_key_sees_only_its_own_sites_topics(client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey) -> None:
    topic_id = client.post("/api/v1/topics", json=TOPIC, headers=site_a.headers).get_json()["id"]
    assert client.get(f"/api/v1/topics/{topic_id}", headers=site_b.headers).status_code == 404
    assert client.patch(f"/api/v1/topics/{topic_id}", json={"name": "x"}, headers=site_b.headers).status_code == 404
    assert client.delete(f"/api/v1/topics/{topic_id}", headers=site_b.headers).status_code == 404
    assert client.get("/api/v1/topics", headers=site_b.headers).get_json()["items"] == []
    assert client.get("/api/v1/topics").status_code == 401
