"""Host aliases: pages on a staging or www host find the articles imported with the site's canonical host."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.articles.widget_corpus import load_corpus, related, url_of
from tests.conftest import SiteWithKey

STAGING = "https://staging.clinic-a.example/articles/knee-pain/?utm_source=x"


def set_aliases(client: FlaskClient, site: SiteWithKey, aliases: object) -> object:
    return client.patch("/api/v1/site/settings", json={"host_aliases": aliases}, headers=site.headers)


def test_alias_host_finds_the_canonical_article(client: FlaskClient, site_a: SiteWithKey) -> None:
    ids = load_corpus(client, site_a)
    assert related(client, "clinic-a", STAGING).status_code == 404
    answer = set_aliases(client, site_a, {"Staging.Clinic-A.example": "clinic-a.example"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["settings"]["host_aliases"] == {"staging.clinic-a.example": "clinic-a.example"}

    on_alias = related(client, "clinic-a", STAGING)
    on_canonical = related(client, "clinic-a", url_of("knee-pain"))
    assert on_alias.status_code == 200
    assert on_alias.get_json() == on_canonical.get_json()
    assert on_alias.get_json()["article"]["id"] == ids["knee-pain"]
    fragment = client.get("/widget/clinic-a/related", query_string={"url": STAGING})
    assert fragment.status_code == 200 and "Recovering After Knee Replacement" in fragment.get_data(as_text=True)
    # an alias maps hosts, never paths: an address no article has is still unknown
    assert related(client, "clinic-a", "https://staging.clinic-a.example/articles/nothing").status_code == 404


def test_aliases_belong_to_their_own_site(client: FlaskClient, site_a: SiteWithKey, site_b: SiteWithKey) -> None:
    load_corpus(client, site_a)
    assert set_aliases(client, site_b, {"staging.clinic-a.example": "clinic-a.example"}).status_code == 200
    assert related(client, "clinic-a", STAGING).status_code == 404
    assert related(client, "clinic-b", STAGING).status_code == 404


def test_bad_aliases_are_refused_and_change_nothing(client: FlaskClient, site_a: SiteWithKey) -> None:
    assert set_aliases(client, site_a, {"staging.clinic-a.example": "clinic-a.example"}).status_code == 200
    for bad, words in [
        ({"not a host": "clinic-a.example"}, "not a host name"),
        ({"clinic-a.example": "clinic-a.example"}, "alias of itself"),
        ({"a.example": "b.example", "b.example": "c.example"}, "both an alias and a canonical host"),
        (["staging.clinic-a.example"], "mapping"),
    ]:
        answer = set_aliases(client, site_a, bad)
        assert answer.status_code == 422
        assert words in answer.get_json()["error"]["fields"]["host_aliases"]
    current = client.get("/api/v1/site/settings", headers=site_a.headers).get_json()["settings"]
    assert current["host_aliases"] == {"staging.clinic-a.example": "clinic-a.example"}
