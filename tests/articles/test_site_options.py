"""Every per-site option through the API and ``flask sites set``: checked with plain messages, and taking
effect at once (list-shaping options recomputed by the worker, field weights refitting the index)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from articles.related import index_cache
from service import db as database
from service.site_options import CHECKS, OPTIONS
from service.sites import DEFAULT_FIELD_WEIGHTS, Site, site_by_slug
from tests.articles.test_related_index import load_demo_topics
from tests.articles.test_related_pending import backlog, drain_all, lists_of, refit
from tests.conftest import SiteWithKey

SETTINGS = "/api/v1/site/settings"
#: demo topics loaded: more than index_cache.SMALL_SITE, so changes go through the worker as on a real site
TOPICS = 60


def _site(app: Flask, slug: str) -> Site:
    with app.app_context(), database.new_session() as db:
        return site_by_slug(db, slug)


def test_get_lists_every_option_with_help_and_the_lists_state(client: FlaskClient, site_a: SiteWithKey) -> None:
    body = client.get(SETTINGS, headers=site_a.headers).get_json()
    assert set(body["settings"]) == set(CHECKS) and set(OPTIONS) < set(CHECKS)
    assert set(body["help"]) == set(CHECKS) and all(body["help"].values())
    assert body["settings"]["field_weights"] == DEFAULT_FIELD_WEIGHTS
    assert body["lists"] == "current" and body["pending"] == 0


def test_bad_values_are_refused_in_plain_words_and_nothing_is_saved(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    bad = {
        "related_min_score": "lots",
        "related_diversity": 7,
        "related_reviewed_within_months": -3,
        "digest_max_items": 0,
        "digest_min_score": 1.5,
        "digest_send_newest_anyway": "maybe",
        "overwrite_editor_edits": [],
        "unsubscribe_mailto": "Jo <jo@clinic.example>",
        "field_weights": {"title": 0.5},
        "click_counting": True,  # valid: still not saved, since others are bad
    }
    answer = client.patch(SETTINGS, json=bad, headers=site_a.headers)
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert set(fields) == set(bad) - {"click_counting"}
    assert fields["related_min_score"] == "Enter a number from 0 to 1, e.g. 0.05."
    assert fields["field_weights"] == "The title weight is 0 (left out) or at least 1: it multiplies word counts."
    assert fields["digest_send_newest_anyway"] == "Choose yes or no."
    for message in fields.values():
        assert "should" not in message and "Input" not in message and message.endswith(".")
    assert _site(app, site_a.slug).settings == {}
    assert backlog(app, site_a.slug) == 0


def test_every_option_is_saved_and_read_back(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    values: dict[str, Any] = {
        "related_fallback": False,
        "related_min_score": "0.2",
        "related_diversity": 0.8,
        "related_reviewed_within_months": "24",
        "field_weights": {"title": 3, "tags": "0.5"},
        "click_counting": "yes",
        "digest_max_items": 7,
        "digest_min_score": 0.1,
        "digest_send_newest_anyway": True,
        "overwrite_editor_edits": "on",
        "store_consent_ip": True,
        "unsubscribe_mailto": "mailto:unsubscribe@clinic-a.example",
        "website_url": "https://clinic-a.example",
        "medical_disclaimer": "Ask your nurse.",
        "privacy_url": "https://clinic-a.example/privacy",
        "default_time_zone": "Europe/Dublin",
        "widget_limit": "6",
        "host_aliases": {"staging.clinic-a.example": "clinic-a.example"},
    }
    answer = client.patch(SETTINGS, json=values, headers=site_a.headers)
    assert answer.status_code == 200, answer.get_json()
    settings = client.get(SETTINGS, headers=site_a.headers).get_json()["settings"]
    assert settings == {
        "related_fallback": False,
        "related_min_score": 0.2,
        "related_diversity": 0.8,
        "related_reviewed_within_months": 24,
        "field_weights": {**DEFAULT_FIELD_WEIGHTS, "title": 3.0, "tags": 0.5},
        "click_counting": True,
        "digest_max_items": 7,
        "digest_min_score": 0.1,
        "digest_send_newest_anyway": True,
        "overwrite_editor_edits": True,
        "store_consent_ip": True,
        "unsubscribe_mailto": "unsubscribe@clinic-a.example",
        "website_url": "https://clinic-a.example",
        "medical_disclaimer": "Ask your nurse.",
        "privacy_url": "https://clinic-a.example/privacy",
        "default_time_zone": "Europe/Dublin",
        "widget_limit": 6,
        "host_aliases": {"staging.clinic-a.example": "clinic-a.example"},
    }
    title_only = client.patch(SETTINGS, json={"field_weights": {"body": 2}}, headers=site_a.headers).get_json()
    assert title_only["settings"]["field_weights"] == {**DEFAULT_FIELD_WEIGHTS, "title": 3.0, "tags": 0.5, "body": 2.0}
    blanks = {name: "" for name in ("related_min_score", "related_diversity", "digest_max_items", "field_weights")}
    restored = client.patch(SETTINGS, json=blanks, headers=site_a.headers).get_json()["settings"]
    assert restored["related_min_score"] == 0.05 and restored["related_diversity"] is None
    assert restored["digest_max_items"] == 5 and restored["field_weights"] == DEFAULT_FIELD_WEIGHTS


def test_a_higher_minimum_score_queues_the_site_and_the_worker_applies_it(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    load_demo_topics(app, site_a.slug, TOPICS)
    client.patch(SETTINGS, json={"related_fallback": False}, headers=site_a.headers)
    drain_all(app)
    before = lists_of(app, site_a.slug)
    scores = [score for items in before.values() for _, score in items]
    assert scores and min(scores) < 0.2, "the catalogue has weak links to lose"

    answer = client.patch(SETTINGS, json={"related_min_score": 0.2}, headers=site_a.headers).get_json()
    assert answer["changed"] == ["related_min_score"]
    assert answer["lists"] == "updating" and answer["pending"] == TOPICS
    assert lists_of(app, site_a.slug) == before, "nothing is recomputed inside the request"

    drain_all(app)
    after = lists_of(app, site_a.slug)
    assert client.get(SETTINGS, headers=site_a.headers).get_json()["lists"] == "current"
    kept = [score for items in after.values() for _, score in items]
    assert kept and min(kept) >= 0.2
    assert sum(map(len, after.values())) < sum(map(len, before.values()))


def test_an_unchanged_value_queues_nothing(app: Flask, client: FlaskClient, site_a: SiteWithKey) -> None:
    load_demo_topics(app, site_a.slug, TOPICS)
    answer = client.patch(SETTINGS, json={"related_min_score": 0.05}, headers=site_a.headers).get_json()
    assert answer["changed"] == [] and answer["lists"] == "current"
    assert backlog(app, site_a.slug) == 0


def test_new_field_weights_refit_the_index_in_the_background(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    load_demo_topics(app, site_a.slug, TOPICS)
    before = lists_of(app, site_a.slug)
    weights = {"title": 1, "summary": 0, "body": 1, "tags": 0, "categories": 5}
    answer = client.patch(SETTINGS, json={"field_weights": weights}, headers=site_a.headers).get_json()
    assert answer["lists"] == "updating" and answer["pending"] == TOPICS

    fits = index_cache.fits  # until the worker refits, readers use the stored index instead of fitting one
    with app.app_context(), database.new_session() as db:
        stale = index_cache.read_index(db, site_by_slug(db, site_a.slug))
        assert stale is not None and stale.weights_ == DEFAULT_FIELD_WEIGHTS
        assert stale.related(int(stale.ids_[0]), 3) and index_cache.fits == fits

    drain_all(app)
    assert index_cache.fits == fits + 1
    after = lists_of(app, site_a.slug)
    with app.app_context(), database.new_session() as db:
        index = index_cache.read_index(db, site_by_slug(db, site_a.slug))
        assert index is not None and index.weights_ == {name: float(w) for name, w in weights.items()}
    assert after != before
    refit(app, site_a.slug)  # a full refit with the stored weights gives the lists the worker made
    assert lists_of(app, site_a.slug) == after


def test_sites_set_changes_options_from_the_command_line(app: Flask, site_a: SiteWithKey) -> None:
    load_demo_topics(app, site_a.slug, TOPICS)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["sites", "set", site_a.slug, "related_min_score=0.15", "field_weights.title=4", "click_counting=yes"]
    )
    assert result.exit_code == 0, result.output
    assert "related_min_score = 0.15" in result.output
    assert f"related lists updating: {TOPICS} articles queued" in result.output
    site = _site(app, site_a.slug)
    assert site.setting("field_weights") == {**DEFAULT_FIELD_WEIGHTS, "title": 4.0}
    assert site.setting("click_counting") is True

    refused = runner.invoke(args=["sites", "set", site_a.slug, "digest_max_items=lots", "related_min_score=0.3"])
    assert refused.exit_code == 1
    assert "digest_max_items: Enter a whole number from 1 to 20." in refused.output
    assert _site(app, site_a.slug).setting("related_min_score") == 0.15
    assert runner.invoke(args=["sites", "set", site_a.slug, "oops"]).exit_code == 2
    assert runner.invoke(args=["sites", "set", "nope", "click_counting=no"]).exit_code == 1


def test_options_of_one_site_leave_the_other_alone(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey
) -> None:
    client.patch(SETTINGS, json={"digest_max_items": 9}, headers=site_a.headers)
    with app.app_context(), database.new_session() as db:
        sites = {s.slug: s.setting("digest_max_items") for s in db.scalars(select(Site))}
    assert sites == {site_a.slug: 9, site_b.slug: 5}


def test_a_weights_preview_of_one_article_matches_a_refit_with_those_weights(
    app: Flask, client: FlaskClient, site_a: SiteWithKey
) -> None:
    from articles.related.weights_preview import preview_weights

    load_demo_topics(app, site_a.slug, TOPICS)
    weights = {"title": 6.0, "summary": 1.0, "body": 1.0, "tags": 3.0, "categories": 2.0}
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, site_a.slug)
        article_id = int(index_cache.read_index(db, site).ids_[7])  # type: ignore[union-attr]
        same = preview_weights(db, site, article_id, DEFAULT_FIELD_WEIGHTS)
        trial = preview_weights(db, site, article_id, weights)
        assert preview_weights(db, site, 10**9, weights) is None
    assert same is not None and trial is not None
    assert [(link.id, link.score) for link in same.after] == [(link.id, link.score) for link in same.before]
    assert [link.id for link in trial.after] != [link.id for link in trial.before]

    client.patch(SETTINGS, json={"field_weights": weights}, headers=site_a.headers)
    drain_all(app)
    with app.app_context(), database.new_session() as db:
        refitted = index_cache.read_index(db, site_by_slug(db, site_a.slug))
        assert refitted is not None
        expected = [(n.id, round(n.score, 3)) for n in refitted.related(article_id, 10)]
    assert [(link.id, link.score) for link in trial.after] == expected
