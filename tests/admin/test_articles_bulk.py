"""The articles list: search over title, summary and text, tag / source filters and sorting; bulk retire,
publish, add tag and remove tag, each with a confirmation step."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from tests.admin.conftest import Account, csrf_token, post_form, sign_in
from tests.articles.widget_corpus import load_corpus, post_article, related, url_of
from tests.conftest import SiteWithKey

LIST = "/admin/clinic-a/articles"
BULK = LIST + "/bulk"


def titles(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', body)]


def test_search_reads_summaries_and_filters_by_tag_source_and_sorts(
    client: FlaskClient, editor_a: Account, site_a: SiteWithKey
) -> None:
    load_corpus(client, site_a)
    post_article(
        client, site_a, "low-back", "Low Back Pain", "Back pain in the lower spine.", "Bones and joints",
        summary="Also called lumbago: pain in the lower back.", tags=["back"],
    )  # fmt: skip
    sign_in(client, editor_a)
    # only its summary says "lumbago": found, and first
    assert titles(client.get(LIST, query_string={"q": "lumbago"}).get_data(as_text=True))[0] == "Low Back Pain"
    found = titles(client.get(LIST, query_string={"q": "glucose meter"}).get_data(as_text=True))
    assert found[0] == "Checking Your Blood Sugar at Home"  # words of the body, best match first
    assert titles(client.get(LIST, query_string={"tag": "back"}).get_data(as_text=True)) == ["Low Back Pain"]
    assert len(titles(client.get(LIST, query_string={"source": "api"}).get_data(as_text=True))) == 7
    assert titles(client.get(LIST, query_string={"source": "feed"}).get_data(as_text=True)) == []
    by_title = titles(client.get(LIST, query_string={"sort": "title"}).get_data(as_text=True))
    assert by_title == sorted(by_title, key=str.lower) and len(by_title) == 7


def test_bulk_retire_confirms_first_then_changes_every_chosen_article(
    client: FlaskClient, editor_a: Account, site_a: SiteWithKey, site_b: SiteWithKey
) -> None:
    ids = load_corpus(client, site_a)
    other = post_article(client, site_b, "x", "Other Clinic Article", "Knee exercises.")["id"]
    sign_in(client, editor_a)
    chosen = [ids["knee-replacement"], ids["runners-knee"], other]
    token = csrf_token(client.get(LIST).get_data(as_text=True))
    confirm = client.post(BULK, data={"csrf_token": token, "action": "retire", "ids": chosen, "back": LIST})
    body = html.unescape(confirm.get_data(as_text=True))
    assert confirm.status_code == 200 and "Retire: 2 articles" in body and "Nothing changes until you confirm" in body
    assert "Other Clinic Article" not in body  # another site's article is never touched
    assert len(related(client, "clinic-a", url_of("knee-replacement")).get_json()["items"]) > 0  # not yet

    assert client.post(BULK, data={"action": "retire", "ids": chosen, "confirmed": "yes"}).status_code == 400  # CSRF
    done = client.post(
        BULK, data={"csrf_token": token, "action": "retire", "ids": chosen, "confirmed": "yes", "back": LIST}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(LIST)
    assert "Retire: 2 of 2 articles changed." in html.unescape(client.get(LIST).get_data(as_text=True))
    assert related(client, "clinic-a", url_of("knee-replacement")).status_code == 404
    listed = {i["id"] for i in related(client, "clinic-a", url_of("knee-pain")).get_json()["items"]}
    assert not listed & {ids["knee-replacement"], ids["runners-knee"]}
    assert client.get(f"/api/v1/articles/{other}", headers=site_b.headers).get_json()["status"] == "published"

    publish = {"csrf_token": token, "action": "publish", "ids": [ids["runners-knee"]], "confirmed": "yes"}
    assert client.post(BULK, data=publish).status_code == 302
    assert related(client, "clinic-a", url_of("runners-knee")).status_code == 200


def test_bulk_tags_and_refusals(client: FlaskClient, editor_a: Account, site_a: SiteWithKey) -> None:
    ids = load_corpus(client, site_a)
    sign_in(client, editor_a)
    token = csrf_token(client.get(LIST).get_data(as_text=True))
    pair = [ids["sleep"], ids["blood-sugar"]]
    add = {"csrf_token": token, "action": "add_tag", "tag": "  Seasonal  ", "ids": pair, "confirmed": "yes"}
    assert client.post(BULK, data=add).status_code == 302
    tagged = titles(client.get(LIST, query_string={"tag": "Seasonal"}).get_data(as_text=True))
    assert sorted(tagged) == ["Better Sleep Habits", "Checking Your Blood Sugar at Home"]
    remove = {**add, "action": "remove_tag", "tag": "seasonal", "ids": [ids["sleep"]]}
    assert client.post(BULK, data=remove).status_code == 302
    assert titles(client.get(LIST, query_string={"tag": "Seasonal"}).get_data(as_text=True)) == [
        "Checking Your Blood Sugar at Home"
    ]
    for bad, message in (
        ({"action": "add_tag", "tag": "", "ids": pair}, "Enter a tag of 1 to 100 characters."),
        ({"action": "retire", "ids": []}, "Choose at least one article."),
        ({"action": "explode", "ids": pair}, "Choose what to do with the articles."),
    ):
        answer = client.post(BULK, data={"csrf_token": token, "confirmed": "yes", "back": LIST, **bad})
        assert answer.status_code == 302
        assert message in html.unescape(client.get(LIST).get_data(as_text=True))
    assert sorted(titles(client.get(LIST, query_string={"status": "published"}).get_data(as_text=True))) == sorted(
        titles(client.get(LIST).get_data(as_text=True))
    )
    assert (
        post_form(client, BULK, {"action": "retire", "ids": pair, "back": "https://evil.example/"}, LIST).status_code
        == 200
    )
