"""Editors see plain sentences for every validation error on the admin pages, never a library's wording."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.admin.conftest import Account, post_form, sign_in

#: phrases of pydantic's and WTForms' own messages
LIBRARY_WORDING = re.compile(
    r"should have|Input should|Field required|valid integer|Not a valid|This field is required|Field cannot be longer"
    r"|Value error|String should",
    re.IGNORECASE,
)


def _errors(body: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m).replace("Error:", "").strip()
        for m in re.findall(r'class="field-error"[^>]*>(.*?)</p>', body, re.S)
    ]


def test_an_article_with_bad_fields_gets_plain_messages(client: FlaskClient, admin_a: Account, app: Flask) -> None:
    sign_in(client, admin_a)
    response = post_form(
        client,
        "/admin/clinic-a/articles/new",
        {
            "title": "",
            "url": "not a url",
            "body_html": "<p>x</p>",
            "tags": ", ".join(f"tag{n}" for n in range(60)),
            "categories": "x" * 150,
            "author": "a" * 300,
            "published_at": "yesterday",
            "status": "published",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = _errors(body)
    assert "Required: enter a value." in errors
    assert "Give at most 50 items." in errors
    assert "Use at most 200 characters." in errors
    assert len(errors) >= 5
    assert not LIBRARY_WORDING.search(" ".join(errors)), errors


def test_topic_synonym_and_never_pair_forms_speak_plainly(client: FlaskClient, admin_a: Account) -> None:
    sign_in(client, admin_a)
    topic = post_form(client, "/admin/clinic-a/topics", {"name": "", "position": "first", "active": "y"})
    assert topic.status_code == 422
    assert {"Enter a name.", "Enter a whole number, e.g. 10."} <= set(_errors(topic.get_data(as_text=True)))
    synonym = post_form(client, "/admin/clinic-a/synonyms", {"phrase": "", "means": "m" * 201})
    assert synonym.status_code == 422
    assert set(_errors(synonym.get_data(as_text=True))) == {
        "Enter the phrase readers use.",
        "Use at most 200 characters.",
    }
    pair = post_form(client, "/admin/clinic-a/never-pair", {"tag_a": "t" * 101, "tag_b": ""})
    assert pair.status_code == 422
    assert set(_errors(pair.get_data(as_text=True))) == {"Use at most 100 characters.", "Enter the other tag."}
    for response in (topic, synonym, pair):
        assert not LIBRARY_WORDING.search(" ".join(_errors(response.get_data(as_text=True))))
