"""Seeding a site's synonyms from its articles' "Also called" names: the CLI command, editors' rows kept, reruns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from articles.synonyms.models import SiteSynonym
from articles.synonyms.seeding import also_called_names, also_called_pairs
from service import db as database
from tests.newsletter.digest_fixtures import build_clinic

SLUG = "digest-clinic"


def rows(app: Flask) -> dict[str, tuple[str, str]]:
    with app.app_context(), database.new_session() as db:
        return {s.phrase: (s.means, s.source) for s in db.scalars(select(SiteSynonym).order_by(SiteSynonym.id))}


def test_also_called_names_are_read_from_the_summary() -> None:
    assert also_called_names("Also called: Glycohemoglobin, HbA1C,  Hemoglobin A1C test") == [
        "Glycohemoglobin",
        "HbA1C",
        "Hemoglobin A1C test",
    ]
    assert also_called_names("A blood test. Also called: nothing") == []
    assert also_called_names(None) == []
    pairs = also_called_pairs(
        [("Breastfeeding", "Also called: Lactation, Nursing"), ("Nursing", "Also called: x"), ("B", "Also called: DI")]
        + [("C", "Also called: DI")]
    )
    assert pairs == [("Lactation", "Breastfeeding"), ("x", "Nursing")]  # a title and a shared name are left out


def test_seed_command_adds_changes_nothing_twice_and_keeps_editors_rows(app: Flask, runner, client: FlaskClient):
    build_clinic(app, datetime.now(UTC) - timedelta(hours=3))
    first = runner.invoke(args=["recommender", "seed-synonyms", SLUG])
    assert first.exit_code == 0, first.output
    seeded = rows(app)
    assert seeded["Glycohemoglobin"] == ("A1C", "also_called")
    assert seeded["Hemoglobin A1C test"] == ("A1C", "also_called")
    assert all(source == "also_called" for _, source in seeded.values())
    again = runner.invoke(args=["recommender", "seed-synonyms", SLUG])
    assert "0 added" in again.output and rows(app) == seeded
    with app.app_context(), database.new_session() as db:
        row = db.scalar(select(SiteSynonym).where(SiteSynonym.phrase == "Glycohemoglobin"))
        assert row is not None
        row.means, row.source = "Diabetes", "editor"
        db.commit()
    third = runner.invoke(args=["recommender", "seed-synonyms", SLUG])
    assert third.exit_code == 0 and "1 kept editor" in third.output
    assert rows(app)["Glycohemoglobin"] == ("Diabetes", "editor")


def test_seed_command_names_an_unknown_site(runner) -> None:
    result = runner.invoke(args=["recommender", "seed-synonyms", "nowhere"])
    assert result.exit_code != 0 and "Error" in result.output
