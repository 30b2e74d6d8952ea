"""The admin Widget page: the embed code and its rule, "test a page address", host aliases (administrators)."""

from __future__ import annotations

import html

from flask.testing import FlaskClient

from tests.admin.conftest import Account, post_form, sign_in
from tests.articles.widget_corpus import load_corpus, related, url_of
from tests.conftest import SiteWithKey

PAGE = "/admin/clinic-a/widget"


def check(client: FlaskClient, address: str, limit: int | None = None) -> str:
    response = client.get(PAGE, query_string={"page": address, **({"limit": limit} if limit else {})})
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_page_explains_the_address_rule_and_options(client: FlaskClient, editor_a: Account) -> None:
    sign_in(client, editor_a)
    body = html.unescape(client.get(PAGE).get_data(as_text=True))
    assert '<div data-clinic-reads data-site="clinic-a"></div>' in body
    assert "must be an article's address" in body and 'rel="canonical"' in body
    for option in ("data-url", "data-limit", "data-heading", "data-layout"):
        assert f"<code>{option}</code>" in body
    assert 'aria-current="page">Widget<' in body


def test_tester_shows_what_readers_see(client: FlaskClient, editor_a: Account, site_a: SiteWithKey) -> None:
    load_corpus(client, site_a)
    sign_in(client, editor_a)
    body = check(client, url_of("knee-pain") + "/?utm_source=news", limit=3)
    expected = related(client, "clinic-a", url_of("knee-pain"), limit=3).get_json()["items"]
    assert "This page is the article" in body and "Knee Pain: Exercises That Help" in body
    shown = [item["title"] for item in expected]
    assert len(shown) == 3
    positions = [body.index(f">{title}</a>") for title in shown]
    assert positions == sorted(positions)  # in the widget's order
    assert "readers see 3 links" in body and "similar because of" in body
    assert "https://clinic-a.example is allowed to show the widget" in body


def test_tester_names_the_fix_for_an_unknown_address(
    client: FlaskClient, editor_a: Account, site_a: SiteWithKey
) -> None:
    load_corpus(client, site_a)
    sign_in(client, editor_a)
    body = check(client, "https://staging.clinic-a.example/articles/knee-pain")
    assert "No article of this site has this address" in body
    assert "add the host alias “staging.clinic-a.example = clinic-a.example”" in body
    assert "data-url" in body
    assert "https://staging.clinic-a.example is not among the websites allowed" in body
    assert "not a full page address" in check(client, "staging.clinic-a.example/knee")


def test_tester_names_a_draft(client: FlaskClient, editor_a: Account, site_a: SiteWithKey) -> None:
    ids = load_corpus(client, site_a)
    client.patch(f"/api/v1/articles/{ids['sleep']}", json={"status": "draft"}, headers=site_a.headers)
    sign_in(client, editor_a)
    assert "“Better Sleep Habits” has this address but is draft" in check(client, url_of("sleep"))


def test_admin_sets_host_aliases_and_the_tester_uses_them(
    client: FlaskClient, admin_a: Account, site_a: SiteWithKey
) -> None:
    load_corpus(client, site_a)
    sign_in(client, admin_a)
    answer = post_form(
        client,
        PAGE + "/options",
        {"widget_limit": "4", "host_aliases": "Staging.Clinic-A.example = clinic-a.example\n"},
        PAGE,
    )
    assert answer.status_code == 302
    body = check(client, "https://staging.clinic-a.example/articles/knee-pain")
    assert "found on <code>clinic-a.example</code> through a host alias" in body
    assert "This page is the article" in body
    assert related(client, "clinic-a", "https://staging.clinic-a.example/articles/knee-pain").status_code == 200
    assert "staging.clinic-a.example = clinic-a.example" in html.unescape(client.get(PAGE).get_data(as_text=True))

    bad = post_form(
        client, PAGE + "/options", {"widget_limit": "4", "host_aliases": "staging.clinic-a.example\nno equals"}, PAGE
    )
    assert bad.status_code == 422
    assert "Line 1: write the alias, an equals sign and the canonical host." in bad.get_data(as_text=True)
    settings = client.get("/api/v1/site/settings", headers=site_a.headers).get_json()["settings"]
    assert settings["host_aliases"] == {"staging.clinic-a.example": "clinic-a.example"}


def test_only_administrators_change_aliases(client: FlaskClient, editor_a: Account, site_a: SiteWithKey) -> None:
    sign_in(client, editor_a)
    body = client.get(PAGE).get_data(as_text=True)
    assert "Save widget options" not in body
    answer = post_form(
        client, PAGE + "/options", {"widget_limit": "4", "host_aliases": "a.clinic-a.example = clinic-a.example"}, PAGE
    )
    assert answer.status_code == 403
    settings = client.get("/api/v1/site/settings", headers=site_a.headers).get_json()["settings"]
    assert settings["host_aliases"] == {}


def test_other_sites_editors_are_refused(client: FlaskClient, admin_b: Account, site_a: SiteWithKey) -> None:
    sign_in(client, admin_b)
    assert client.get(PAGE).status_code == 403


def test_admin_sets_the_widget_limit_that_the_widget_and_tester_follow(
    client: FlaskClient, admin_a: Account, site_a: SiteWithKey
) -> None:
    load_corpus(client, site_a)
    sign_in(client, admin_a)
    assert len(related(client, "clinic-a", url_of("knee-pain")).get_json()["items"]) == 4
    for bad in ("0", "21", "three"):
        answer = post_form(client, PAGE + "/options", {"widget_limit": bad, "host_aliases": ""}, PAGE)
        assert answer.status_code == 422
        assert "Enter a whole number of links from 1 to 20." in html.unescape(answer.get_data(as_text=True))
    assert post_form(client, PAGE + "/options", {"widget_limit": "2", "host_aliases": ""}, PAGE).status_code == 302
    # a page without data-limit now gets two links, through the fast lane, the Flask view and the fragment
    assert len(related(client, "clinic-a", url_of("knee-pain")).get_json()["items"]) == 2
    assert len(related(client, "clinic-a", url_of("knee-pain"), limit=3).get_json()["items"]) == 3
    fragment = client.get("/widget/clinic-a/related", query_string={"url": url_of("knee-pain")})
    assert fragment.get_data(as_text=True).count("<li>") == 2
    assert "readers see 2 links" in check(client, url_of("knee-pain"))
