"""An article's related links page: score and why, pin/unpin, block/unblock; never-pair rules."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from articles.models import Article
from articles.related import updates
from service import db as database
from service.sites import site_by_slug
from tests.admin.conftest import Account, post_form, sign_in
from tests.conftest import SiteWithKey, article_payload

TOPICS = [
    ("knee-pain", "Knee pain exercises", "knee pain exercise physical therapy strengthening", ["knee"]),
    ("knee-surgery", "Knee replacement surgery", "knee replacement surgery recovery physical therapy", ["knee"]),
    ("knee-arthritis", "Arthritis of the knee", "knee arthritis pain joint stiffness exercise", ["arthritis"]),
    ("hip-pain", "Hip pain", "hip pain joint exercise physical therapy", ["hip"]),
    ("sleep", "Sleeping well", "sleep insomnia bedtime routine", ["sleep"]),
]


def add_topics(client: FlaskClient, site: SiteWithKey) -> dict[str, int]:
    ids = {}
    for slug, title, text, tags in TOPICS:
        response = client.post(
            "/api/v1/articles",
            headers=site.headers,
            json=article_payload(
                url=f"https://clinic-a.example/{slug}",
                title=title,
                body_html=f"<p>{text}. {text}.</p>",
                tags=tags,
                categories=["Joints"],
            ),
        )
        assert response.status_code == 201, response.get_json()
        ids[slug] = response.get_json()["id"]
    return ids


def _order(app: Flask, article_id: int) -> list[int]:
    with app.app_context(), database.new_session() as db:
        site = site_by_slug(db, "clinic-a")
        return [item["id"] for item in updates.related_items(db, site, db.get(Article, article_id))]


def _rows(body: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/clinic-a/articles/\d+">([^<]+)</a>', body)


def test_related_page_shows_scores_and_why_and_pins_and_blocks(
    client: FlaskClient, editor_a: Account, site_a: SiteWithKey, app: Flask
) -> None:
    ids = add_topics(client, site_a)
    knee = ids["knee-pain"]
    page_path = f"/admin/clinic-a/articles/{knee}/related"
    sign_in(client, editor_a)
    body = client.get(page_path).get_data(as_text=True)
    titles = _rows(body)
    assert titles[0] in ("Knee replacement surgery", "Arthritis of the knee") and "Sleeping well" not in titles[:3]
    assert "Similar because of " in body and re.search(r'<td class="num">0\.\d\d</td>', body)

    hip = ids["hip-pain"]
    pinned = post_form(client, f"{page_path}/pin/{hip}/add", {}, token_from=page_path)
    assert pinned.status_code == 302 and _order(app, knee)[0] == hip
    body = client.get(page_path).get_data(as_text=True)
    assert _rows(body)[0] == "Hip pain" and "“Hip pain” pinned." in body and "Unpin Hip pain" in body

    surgery = ids["knee-surgery"]
    post_form(client, f"{page_path}/block/{surgery}/add", {}, token_from=page_path)
    assert surgery not in _order(app, knee)
    body = client.get(page_path).get_data(as_text=True)
    assert "Knee replacement surgery" not in _rows(body) and "Unblock Knee replacement surgery" in body

    post_form(client, f"{page_path}/block/{surgery}/remove", {}, token_from=page_path)
    post_form(client, f"{page_path}/pin/{hip}/remove", {}, token_from=page_path)
    assert surgery in _order(app, knee) and _order(app, knee)[0] != hip


def test_pin_by_title_with_choices(
    client: FlaskClient, editor_a: Account, site_a: SiteWithKey, site_b: SiteWithKey, app: Flask
) -> None:
    ids = add_topics(client, site_a)
    client.post("/api/v1/articles", headers=site_b.headers, json=article_payload(url="https://clinic-b.example/x"))
    knee = ids["knee-pain"]
    page_path = f"/admin/clinic-a/articles/{knee}/related"
    sign_in(client, editor_a)

    choices = client.get(f"{page_path}/pin-choices", query_string={"q": "KNEE"}).get_json()["items"]
    # published titles holding the text, those starting with it first; never the article itself
    assert [c["title"] for c in choices] == ["Knee replacement surgery", "Arthritis of the knee"]
    assert client.get(f"{page_path}/pin-choices", query_string={"q": "k"}).get_json() == {"items": []}
    assert client.get(f"{page_path}/pin-choices", query_string={"q": "neuropathic"}).get_json() == {"items": []}

    for bad, message in (("", "Enter an article's title"), ("neuropathic", "No other published article's title")):
        response = post_form(client, f"{page_path}/pin", {"title": bad}, token_from=page_path)
        assert response.status_code == 422 and message in html.unescape(response.get_data(as_text=True))
        assert 'href="#title"' in response.get_data(as_text=True)
    # a partial title (no script needed) lists the matching articles, each with its own Pin button
    partial = post_form(client, f"{page_path}/pin", {"title": "knee"}, token_from=page_path)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "Several articles match" in body
    assert "Pin Knee replacement surgery" in body and "Pin Arthritis of the knee" in body
    assert _order(app, knee)[0] != ids["sleep"]

    answer = post_form(client, f"{page_path}/pin", {"title": "  sleeping WELL "}, token_from=page_path)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"?done=pin-add-{ids['sleep']}")
    assert _order(app, knee)[0] == ids["sleep"]
    body = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "You pinned “Sleeping well”." in body and f"/pin/{ids['sleep']}/remove" in body
    again = client.get(f"{page_path}/pin-choices", query_string={"q": "sleep"}).get_json()
    assert again == {"items": []}  # already pinned


def test_pins_reorder_undo_cutoff_and_reasons(
    client: FlaskClient, editor_a: Account, site_a: SiteWithKey, app: Flask
) -> None:
    ids = add_topics(client, site_a)
    knee = ids["knee-pain"]
    page_path = f"/admin/clinic-a/articles/{knee}/related"
    sign_in(client, editor_a)
    for slug in ("sleep", "hip-pain"):
        post_form(client, f"{page_path}/pin/{ids[slug]}/add", {}, token_from=page_path)
    assert _order(app, knee)[:2] == [ids["sleep"], ids["hip-pain"]]
    moved = post_form(client, f"{page_path}/pin/{ids['hip-pain']}/move/up", {}, token_from=page_path)
    assert moved.status_code == 302 and _order(app, knee)[:2] == [ids["hip-pain"], ids["sleep"]]
    post_form(client, f"{page_path}/pin/{ids['hip-pain']}/move/up", {}, token_from=page_path)  # already first
    assert _order(app, knee)[:2] == [ids["hip-pain"], ids["sleep"]]
    post_form(client, f"{page_path}/pin/{ids['hip-pain']}/move/down", {}, token_from=page_path)
    assert _order(app, knee)[:2] == [ids["sleep"], ids["hip-pain"]]

    body = client.get(page_path).get_data(as_text=True)
    assert body.count("Pinned by an editor") == 2 and "Similar because of" in body
    assert "same category: Joints" in body and re.search(r'<span class="shares">words \d+%', body)
    assert "Move Sleeping well down" in body and "Move Sleeping well up" not in body
    # the site shows 4 links by default: the line sits after the 4th row of the 4 links shown
    rows = _rows(body)
    assert len(rows) == 4 and 'id="cutoff"' not in body  # nothing beyond the widget's cut-off: no line
    client.patch("/api/v1/site/settings", json={"widget_limit": 2}, headers=site_a.headers)
    body = client.get(page_path).get_data(as_text=True)
    assert "The widget stops here: readers see the 2 links above" in body
    before, after = body.split('id="cutoff"')
    assert _rows(before) == ["Sleeping well", "Hip pain"] and len(_rows(after)) == 2

    blocked = post_form(client, f"{page_path}/block/{ids['knee-surgery']}/add", {}, token_from=page_path)
    assert ids["knee-surgery"] not in _order(app, knee)
    undo_page = client.get(blocked.headers["Location"]).get_data(as_text=True)
    assert "You blocked “Knee replacement surgery”." in undo_page
    undo = re.search(r'class="undo-bar" action="([^"]+)"', undo_page)
    assert undo and undo.group(1).endswith(f"/block/{ids['knee-surgery']}/remove")
    post_form(client, undo.group(1), {}, token_from=page_path)
    assert ids["knee-surgery"] in _order(app, knee)


def test_never_pair_rules_page(client: FlaskClient, editor_a: Account, site_a: SiteWithKey, app: Flask) -> None:
    ids = add_topics(client, site_a)
    sign_in(client, editor_a)
    assert ids["knee-arthritis"] in _order(app, ids["knee-pain"])
    empty = post_form(client, "/admin/clinic-a/never-pair", {"tag_a": "knee", "tag_b": ""})
    assert empty.status_code == 422 and 'href="#tag_b"' in empty.get_data(as_text=True)
    same = post_form(client, "/admin/clinic-a/never-pair", {"tag_a": "knee", "tag_b": "KNEE"})
    assert same.status_code == 422 and "must differ" in same.get_data(as_text=True)
    added = post_form(client, "/admin/clinic-a/never-pair", {"tag_a": "knee", "tag_b": "arthritis"})
    assert added.status_code == 302
    assert ids["knee-arthritis"] not in _order(app, ids["knee-pain"])
    again = post_form(client, "/admin/clinic-a/never-pair", {"tag_a": "arthritis", "tag_b": "knee"})
    assert again.status_code == 409 and "already keeps these tags apart" in again.get_data(as_text=True)
    page = client.get("/admin/clinic-a/never-pair").get_data(as_text=True)
    rule_id = re.findall(r"/admin/clinic-a/never-pair/(\d+)/delete", page)[0]
    post_form(client, f"/admin/clinic-a/never-pair/{rule_id}/delete", {}, token_from="/admin/clinic-a/never-pair")
    assert ids["knee-arthritis"] in _order(app, ids["knee-pain"])
    assert "No rules yet." in client.get("/admin/clinic-a/never-pair").get_data(as_text=True)
