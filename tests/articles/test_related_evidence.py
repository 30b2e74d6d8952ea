"""The per-site minimum-evidence rule on served lists, through the editors' API."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from articles.related import updates
from articles.related.stored_lists import site_min_evidence
from recommender.evidence import DEFAULT_MINIMUM_EVIDENCE, MinimumEvidence
from service import db as database
from service.sites import DEFAULT_SITE_SETTINGS, site_by_slug
from tests.conftest import SiteWithKey, add_site

ARTICLES = {
    "migraine": ("Migraine", "A migraine is a throbbing headache with aura and nausea.", "Brain and Nerves"),
    "headache": ("Headache", "A headache can be a migraine, a throbbing pain with nausea.", "Brain and Nerves"),
    "insomnia": ("Insomnia", "Trouble falling asleep at night and waking too early.", "Brain and Nerves"),
    "acne": ("Acne", "Pimples on the face and shoulders of teenagers.", "Skin"),
}
APNEA = ("Sleep Apnea", "Breathing stops at night, with snoring and waking with a puffy face.", "Brain and Nerves")


def add_all(
    client: FlaskClient, site: SiteWithKey, articles: dict[str, tuple[str, str, str]] = ARTICLES
) -> dict[str, int]:
    ids = {}
    for key, (title, body, category) in articles.items():
        payload = {
            "url": f"https://{site.slug}.example/{key}",
            "title": title,
            "body_html": f"<p>{body}</p>",
            "categories": [category],
        }
        response = client.post("/api/v1/articles", json=payload, headers=site.headers)
        assert response.status_code == 201, response.get_json()
        ids[key] = response.get_json()["id"]
    return ids


def items(client: FlaskClient, site: SiteWithKey, article_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/articles/{article_id}/related", headers=site.headers)
    assert response.status_code == 200
    return response.get_json()["items"]


def set_settings(app: Flask, slug: str, **settings: Any) -> None:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, slug)
        site.settings = {**site.settings, **settings}
        updates.refit_site(db, site)
        db.commit()


def test_a_shared_category_alone_is_the_fallback_or_no_link(app: Flask, client: FlaskClient) -> None:
    site = add_site(app, "evidence-clinic")
    ids = add_all(client, site)
    served = items(client, site, ids["migraine"])
    assert served[0]["id"] == ids["headache"] and served[0]["reason"] == "similar"
    reasons = {item["id"]: item["reason"] for item in served}
    assert reasons[ids["insomnia"]] == "fallback_category"  # same category, no shared words: never "similar"

    set_settings(app, "evidence-clinic", related_fallback=False)
    assert [(i["id"], i["reason"]) for i in items(client, site, ids["migraine"])] == [(ids["headache"], "similar")]
    assert items(client, site, ids["insomnia"]) == []  # no link rather than a weak one


def test_each_site_sets_its_own_minimum(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    strict = add_site(app, "strict-clinic")
    ids_a, ids_strict = add_all(client, site_a), add_all(client, strict)
    set_settings(app, "clinic-a", related_fallback=False)
    set_settings(app, "strict-clinic", related_fallback=False, related_min_evidence={"min_text": 0.99})
    assert [i["id"] for i in items(client, site_a, ids_a["migraine"])] == [ids_a["headache"]]
    assert items(client, strict, ids_strict["migraine"]) == []


def test_the_site_default_is_the_tuned_rule_and_bad_values_are_refused(app: Flask, site_a: SiteWithKey) -> None:
    assert MinimumEvidence.from_mapping(DEFAULT_SITE_SETTINGS["related_min_evidence"]) == DEFAULT_MINIMUM_EVIDENCE
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, site_a.slug)
        assert site_min_evidence(site) == DEFAULT_MINIMUM_EVIDENCE
        site.settings = {"related_min_evidence": {"min_text": 0.2}}
        assert site_min_evidence(site) == MinimumEvidence(**{**DEFAULT_MINIMUM_EVIDENCE.as_dict(), "min_text": 0.2})
        for bad in ({"min_text": "high"}, {"strictness": 1}, ["min_text"]):
            site.settings = {"related_min_evidence": bad}
            with pytest.raises(ValueError):
                site_min_evidence(site)


def test_the_why_leaves_out_labels_that_did_not_count(app: Flask, client: FlaskClient) -> None:
    site = add_site(app, "why-clinic")
    ids = add_all(client, site, {**ARTICLES, "apnea": APNEA})
    set_settings(app, "why-clinic", related_fallback=False)
    served = items(client, site, ids["insomnia"])
    assert [item["id"] for item in served] == [ids["apnea"]]  # "night" and "waking", and the category
    # the shared category is named as written, never as folded words among the terms
    assert served[0]["why_labels"] == ["same category: Brain and Nerves"]
    assert not {"brain", "nerve", "brain nerve"} & set(served[0]["why"])
    assert set(served[0]["why_shares"]) == {"words", "categories"}
    assert abs(sum(served[0]["why_shares"].values()) - 1) < 0.01
    set_settings(app, "why-clinic", related_fallback=False, related_min_evidence={"label_min_peak": 1.0})
    strict = items(client, site, ids["insomnia"])
    assert [item["id"] for item in strict] == [ids["apnea"]]
    assert strict[0]["score"] < served[0]["score"]
    assert {"night", "waking"} & set(strict[0]["why"])
    assert not {"brain", "nerve", "brain nerve"} & set(strict[0]["why"])
    assert strict[0]["why_shares"] == {"words": 1.0}  # the category did not count
