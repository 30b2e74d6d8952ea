"""Related lists kept current by article writes, with the editors' rules, through the editors' API."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from articles.related import index_cache
from tests.conftest import SiteWithKey, add_site

ARTICLES = {
    "back": (
        "Low Back Pain Stretches",
        "Gentle stretches ease stiffness of the spine and low back pain.",
        ["back pain"],
        ["Pain"],
    ),
    "spine": (
        "Stretches for a Stiff Back",
        "Daily stretches keep the spine moving and relieve back pain and stiffness.",
        ["back pain"],
        ["Pain"],
    ),
    "nerve": (
        "Neuropathic Pain and Physical Therapy",
        "Nerve pain in the feet improves with physical therapy and exercise.",
        ["nerve pain", "exercise"],
        ["Pain"],
    ),
    "food": (
        "Food Allergies in Children",
        "A food allergy to peanuts or milk causes hives, swelling and stomach pain.",
        ["allergy"],
        ["Allergies"],
    ),
    "peanut": (
        "Peanut Allergy Action Plan",
        "Children with a peanut allergy need an action plan for hives and swelling.",
        ["allergy"],
        ["Allergies"],
    ),
    "diet": (
        "Healthy Weight Loss",
        "Weight loss through diet, exercise and portion control.",
        ["weight loss"],
        ["Nutrition"],
    ),
    "eating": (
        "Eating Disorders",
        "Anorexia and bulimia are eating disorders about diet, weight and portion control.",
        ["eating disorders"],
        ["Mental Health"],
    ),
}


def add(client: FlaskClient, site: SiteWithKey, key: str, **overrides: Any) -> int:
    title, body, tags, categories = ARTICLES[key]
    payload = {
        "url": f"https://{site.slug}.example/{key}",
        "title": title,
        "body_html": f"<p>{body}</p>",
        "tags": tags,
        "categories": categories,
        **overrides,
    }
    response = client.post("/api/v1/articles", json=payload, headers=site.headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["id"]


def related_ids(client: FlaskClient, site: SiteWithKey, article_id: int) -> list[int]:
    response = client.get(f"/api/v1/articles/{article_id}/related", headers=site.headers)
    assert response.status_code == 200
    return [item["id"] for item in response.get_json()["items"]]


def similar_ids(client: FlaskClient, site: SiteWithKey, article_id: int) -> list[int]:
    items = client.get(f"/api/v1/articles/{article_id}/related", headers=site.headers).get_json()["items"]
    return [item["id"] for item in items if item["reason"] in ("similar", "pinned")]


def load_all(client: FlaskClient, site: SiteWithKey) -> dict[str, int]:
    return {key: add(client, site, key) for key in ARTICLES}


def test_lists_rank_related_articles_with_reasons(client: FlaskClient, site_a: SiteWithKey) -> None:
    ids = load_all(client, site_a)
    body = client.get(f"/api/v1/articles/{ids['back']}/related", headers=site_a.headers).get_json()
    first = body["items"][0]
    assert first["id"] == ids["spine"]
    assert first["reason"] == "similar" and first["score"] > 0
    assert "back" in first["why"] or "spine" in first["why"] or "stiff" in first["why"]
    assert first["url"] == f"https://{site_a.slug}.example/spine"
    assert related_ids(client, site_a, ids["food"])[0] == ids["peanut"]
    assert ids["food"] not in similar_ids(client, site_a, ids["nerve"])[:2]


def test_retire_publish_and_purge_change_the_lists_they_touch(client: FlaskClient, site_a: SiteWithKey) -> None:
    ids = load_all(client, site_a)
    assert ids["spine"] in related_ids(client, site_a, ids["back"])
    client.delete(f"/api/v1/articles/{ids['spine']}", headers=site_a.headers)
    assert ids["spine"] not in related_ids(client, site_a, ids["back"])
    assert related_ids(client, site_a, ids["spine"]) == []

    client.patch(f"/api/v1/articles/{ids['spine']}", json={"status": "published"}, headers=site_a.headers)
    assert related_ids(client, site_a, ids["back"])[0] == ids["spine"]

    client.delete(f"/api/v1/articles/{ids['peanut']}?purge=true", headers=site_a.headers)
    assert ids["peanut"] not in related_ids(client, site_a, ids["food"])


def test_drafts_never_appear_until_published(client: FlaskClient, site_a: SiteWithKey) -> None:
    ids = {key: add(client, site_a, key) for key in ("back", "nerve", "food", "diet")}
    draft = add(client, site_a, "spine", status="draft")
    assert draft not in related_ids(client, site_a, ids["back"])
    client.patch(f"/api/v1/articles/{draft}", json={"status": "published"}, headers=site_a.headers)
    assert related_ids(client, site_a, ids["back"])[0] == draft


def test_an_edit_updates_lists_of_other_articles(client: FlaskClient, site_a: SiteWithKey) -> None:
    ids = load_all(client, site_a)
    client.patch(
        f"/api/v1/articles/{ids['diet']}",
        json={"title": "Back Pain and Healthy Weight", "body_html": "<p>Back pain, spine stiffness and stretches.</p>"},
        headers=site_a.headers,
    )
    items = client.get(f"/api/v1/articles/{ids['spine']}/related", headers=site_a.headers).get_json()["items"]
    titles = [item["title"] for item in items]
    assert "Back Pain and Healthy Weight" in titles[:3]
    assert "Healthy Weight Loss" not in titles


def test_other_sites_never_leak(app: Flask, client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey) -> None:
    a_ids = load_all(client, site_a)
    b_spine = add(client, site_b, "spine")
    add(client, site_b, "back")
    for article_id in a_ids.values():
        assert b_spine not in related_ids(client, site_a, article_id)
    assert client.get(f"/api/v1/articles/{a_ids['back']}/related", headers=site_b.headers).status_code == 403


def test_pins_come_first_in_editor_order_and_blocks_never_show(client: FlaskClient, site_a: SiteWithKey) -> None:
    ids = load_all(client, site_a)
    path = f"/api/v1/articles/{ids['back']}"
    pinned = client.put(f"{path}/pins", json={"ids": [ids["eating"], ids["food"]]}, headers=site_a.headers)
    assert pinned.status_code == 200
    assert [i["id"] for i in pinned.get_json()["items"][:2]] == [ids["eating"], ids["food"]]
    assert [i["reason"] for i in pinned.get_json()["items"][:2]] == ["pinned", "pinned"]

    blocked = client.put(f"{path}/blocks", json={"ids": [ids["spine"], ids["food"]]}, headers=site_a.headers)
    body = blocked.get_json()
    assert body["blocks"] == [ids["spine"], ids["food"]] and body["pins"] == [ids["eating"]]
    assert ids["spine"] not in [i["id"] for i in body["items"]]
    assert ids["food"] not in [i["id"] for i in body["items"]]
    # a later write elsewhere keeps the rules
    add(client, site_a, "nerve", title="Nerve Pain, Back Pain and Exercise")
    assert ids["spine"] not in related_ids(client, site_a, ids["back"])
    assert related_ids(client, site_a, ids["back"])[0] == ids["eating"]


def test_pins_are_validated(client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey) -> None:
    ids = load_all(client, site_a)
    other = add(client, site_b, "back")
    path = f"/api/v1/articles/{ids['back']}/pins"
    for body in ({"ids": [other]}, {"ids": [ids["back"]]}, {"ids": "1"}, {"ids": [True]}, {"wrong": []}):
        response = client.put(path, json=body, headers=site_a.headers)
        assert response.status_code == 422, body
    assert client.get(f"/api/v1/articles/{ids['back']}/related", headers=site_a.headers).get_json()["pins"] == []


def test_never_pair_rules_work_both_ways(client: FlaskClient, site_a: SiteWithKey) -> None:
    ids = load_all(client, site_a)
    assert ids["eating"] in related_ids(client, site_a, ids["diet"])
    created = client.post(
        "/api/v1/never-pairs", json={"tag_a": "weight loss", "tag_b": "eating disorders"}, headers=site_a.headers
    )
    assert created.status_code == 201
    assert ids["eating"] not in related_ids(client, site_a, ids["diet"])
    assert ids["diet"] not in related_ids(client, site_a, ids["eating"])
    duplicate = client.post(
        "/api/v1/never-pairs", json={"tag_a": "eating disorders", "tag_b": "weight loss"}, headers=site_a.headers
    )
    assert duplicate.status_code == 409
    rules = client.get("/api/v1/never-pairs", headers=site_a.headers).get_json()["items"]
    assert len(rules) == 1
    assert client.delete(f"/api/v1/never-pairs/{rules[0]['id']}", headers=site_a.headers).status_code == 204
    assert ids["eating"] in related_ids(client, site_a, ids["diet"])


def test_fallback_fills_short_lists_unless_turned_off(app: Flask, client: FlaskClient) -> None:
    site = add_site(app, "fallback-clinic")
    ids = load_all(client, site)
    items = client.get(f"/api/v1/articles/{ids['food']}/related", headers=site.headers).get_json()["items"]
    assert len(items) == len(ARTICLES) - 1
    reasons = [item["reason"] for item in items]
    assert "fallback_newest" in reasons
    assert reasons.index("similar") < reasons.index("fallback_newest")

    with app.app_context():
        from articles.related import updates
        from service import db as database
        from service.sites import site_by_slug

        with database.new_session() as db:
            row = site_by_slug(db, "fallback-clinic")
            row.settings = {**row.settings, "related_fallback": False}
            updates.refit_site(db, row)
            db.commit()
    items = client.get(f"/api/v1/articles/{ids['food']}/related", headers=site.headers).get_json()["items"]
    assert items and all(item["reason"] == "similar" for item in items)


def test_a_process_without_the_cached_index_replays_the_log(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    ids = {key: add(client, site_a, key) for key in ("back", "nerve", "food", "peanut", "diet")}
    with app.app_context():
        index_cache._cache.clear()  # what a second gunicorn worker sees
    spine = add(client, site_a, "spine")
    assert related_ids(client, site_a, spine)[0] == ids["back"]
    assert related_ids(client, site_a, ids["back"])[0] == spine


def test_refit_command_rebuilds_the_same_lists(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    ids = load_all(client, site_a)
    before = {i: related_ids(client, site_a, i) for i in ids.values()}
    result = app.test_cli_runner().invoke(args=["recommender", "refit", "--site", site_a.slug])
    assert result.exit_code == 0, result.output
    assert f"{site_a.slug}: {len(ids)} articles" in result.stdout
    assert f"refitting {site_a.slug} (1/1)..." in result.stderr
    assert {i: related_ids(client, site_a, i) for i in ids.values()} == before
    assert app.test_cli_runner().invoke(args=["recommender", "refit", "--site", "nope"]).exit_code != 0
