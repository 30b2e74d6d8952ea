"""Lay words on the whole demo clinic, through HTTP: the admin article search and a reader's digest preview.

The demo clinic is what ``flask demo load`` builds (1,017 MedlinePlus articles, the synonyms seeded from their
"Also called" names, the shipped lay lexicon). Each lay word or phrase a patient might write must bring the
article on what it means first, both where an editor searches and in the digest of a reader who wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from newsletter.models import Subscriber
from service import db as database
from tests.admin.conftest import add_editor, sign_in
from tests.conftest import make_test_app
from tests.newsletter.demo_clinic import copy_of
from tests.newsletter.digest_fixtures import add_subscriber

#: nerves pressed on: the demo clinic has no article named "pinched nerve"; any of these answers it
NERVE_COMPRESSION = {
    "Thoracic Outlet Syndrome",
    "Herniated Disk",
    "Sciatica",
    "Carpal Tunnel Syndrome",
    "Peripheral Nerve Disorders",
}

#: what a patient writes -> the demo articles on what it means (the first result must be one of them)
LAY_WORDS = {
    "sciatica": {"Sciatica"},
    "bellyache": {"Abdominal Pain"},
    "glycohemoglobin": {"A1C"},
    "lactation": {"Breastfeeding"},
    "cholangiocarcinoma": {"Bile Duct Cancer"},
    "stomach flu": {"Gastroenteritis"},
    "high blood pressure": {"High Blood Pressure"},
    "sugar diabetes": {"Diabetes"},
    "pinched nerve": NERVE_COMPRESSION,
    "water pills": {"Blood Pressure Medicines"},
    "mini stroke": {"Transient Ischemic Attack"},
}


@pytest.fixture(scope="module")
def demo(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    directory = tmp_path_factory.mktemp("lay-words")
    app = make_test_app(copy_of(demo_database, directory), directory / "var")
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def editor(demo: Flask) -> FlaskClient:
    client = demo.test_client()
    sign_in(client, add_editor(demo, "demo", "editor@riverside.example"))
    return client


@pytest.fixture(scope="module")
def api_key(demo: Flask) -> dict[str, str]:
    output = demo.test_cli_runner().invoke(args=["keys", "create", "demo", "--scope", "subscribers"]).output
    return {"Authorization": f"Bearer {output.strip().splitlines()[-1]}"}


def searched(client: FlaskClient, q: str) -> list[str]:
    html = client.get("/admin/demo/articles", query_string={"q": q}).get_data(as_text=True)
    return re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html)


def reader_who_wrote(app: Flask, words: str) -> int:
    """A confirmed monthly reader whose only interest is ``words``, last sent a digest before any demo article."""
    now = datetime.now(UTC)
    address = re.sub(r"\W+", "-", words) + "@example.org"
    subscriber_id = add_subscriber(app, address, [], now, "demo", "monthly", text=words)
    with app.app_context(), database.new_session() as db:
        subscriber = db.get(Subscriber, subscriber_id)
        assert subscriber is not None
        subscriber.last_digest_at = now - timedelta(days=90)
        db.commit()
    return subscriber_id


@pytest.mark.parametrize(("words", "means"), LAY_WORDS.items())
def test_the_admin_search_puts_what_a_lay_word_means_first(editor: FlaskClient, words: str, means: set[str]) -> None:
    found = searched(editor, words)
    assert found[0] in means, found[:3]


@pytest.mark.parametrize(("words", "means"), LAY_WORDS.items())
def test_a_reader_who_writes_a_lay_word_gets_what_it_means_first(
    demo: Flask, api_key: dict[str, str], words: str, means: set[str]
) -> None:
    subscriber_id = reader_who_wrote(demo, words)
    response = demo.test_client().get(f"/api/v1/subscribers/{subscriber_id}/digest-preview", headers=api_key)
    assert response.status_code == 200, response.get_json()
    [first, *_] = items = response.get_json()["items"]
    assert first["title"] in means, [(i["title"], i["reason"]) for i in items[:3]]
    assert first["reason"].startswith("Because you wrote “")


def test_high_blood_pressure_is_not_pulmonary_hypertension(editor: FlaskClient) -> None:
    found = searched(editor, "high blood pressure")
    assert "Pulmonary Hypertension" not in found[:3]
    assert found.index("High Blood Pressure") < found.index("Pulmonary Hypertension")


def test_stomach_flu_is_gastroenteritis_before_flu(editor: FlaskClient) -> None:
    found = searched(editor, "stomach flu")
    assert found.index("Gastroenteritis") < found.index("Flu")


def test_a_pinched_nerve_finds_nerves_pressed_on_not_chest_compressions(editor: FlaskClient) -> None:
    found = searched(editor, "pinched nerve")[:3]
    assert "CPR" not in found
    assert len(NERVE_COMPRESSION & set(found)) >= 2, found
