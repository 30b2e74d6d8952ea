"""The CLI, through Flask's runner, on both engines."""

from __future__ import annotations

import gzip
from pathlib import Path

from flask.testing import FlaskCliRunner

from articles.demo import DEMO_TOPICS


def small_topics(tmp_path: Path, count: int = 25) -> Path:
    lines = gzip.decompress(DEMO_TOPICS.read_bytes()).decode("utf-8").splitlines()[:count]
    path = tmp_path / "topics.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_site_and_key_lifecycle(runner: FlaskCliRunner, client) -> None:  # type: ignore[no-untyped-def]
    created = runner.invoke(
        args=["sites", "create", "north-clinic", "North Clinic", "--origin", "https://north.example/"]
    )
    assert created.exit_code == 0, created.output
    assert "north-clinic" in runner.invoke(args=["sites", "list"]).output
    duplicate = runner.invoke(args=["sites", "create", "north-clinic", "Again"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    bad = runner.invoke(args=["sites", "create", "Not A Slug", "X"])
    assert bad.exit_code != 0

    key_out = runner.invoke(args=["keys", "create", "north-clinic", "--name", "website"]).output
    plain = key_out.strip().splitlines()[-1]
    assert plain.startswith("cr_")
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/articles", headers=headers).status_code == 200
    listing = runner.invoke(args=["keys", "list", "north-clinic"]).output
    assert plain not in listing and "last used" in listing and "website" in listing
    key_id = listing.split("\t", 1)[0]
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code == 0
    assert client.get("/api/v1/articles", headers=headers).status_code == 401
    assert runner.invoke(args=["keys", "create", "no-such-site"]).exit_code != 0


def test_demo_load_twice_changes_nothing(runner: FlaskCliRunner, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    topics = small_topics(tmp_path)
    first = runner.invoke(args=["demo", "load", "--topics", str(topics)])
    assert first.exit_code == 0, first.output
    assert "25 created" in first.output
    assert "reader topics: 30 created, 0 updated, 0 unchanged" in first.output
    assert "updating the related lists (one refit)..." in first.stderr  # progress goes to stderr
    second = runner.invoke(args=["demo", "load", "--topics", str(topics)])
    assert "0 created, 0 updated, 25 unchanged" in second.output
    assert "reader topics: 0 created, 0 updated, 30 unchanged" in second.output

    plain = runner.invoke(args=["keys", "create", "demo"]).output.strip().splitlines()[-1]
    items = client.get("/api/v1/articles?limit=200", headers={"Authorization": f"Bearer {plain}"}).get_json()["items"]
    assert len(items) == 25
    a1c = next(a for a in items if a["title"] == "A1C")
    assert a1c["summary"] == "Also called: Glycohemoglobin, HbA1C, Hemoglobin A1C test"
    assert a1c["categories"] == ["Diagnostic Tests", "Diabetes Mellitus"]
    assert a1c["tags"] == ["Glycated Hemoglobin"]
    assert a1c["credit"] == "Source: MedlinePlus, National Library of Medicine"
    assert a1c["url"] == "https://medlineplus.gov/a1c.html"
    synonyms = client.get("/api/v1/synonyms?limit=1000", headers={"Authorization": f"Bearer {plain}"}).get_json()
    seeded = {s["phrase"]: (s["means"], s["source"]) for s in synonyms["items"]}
    assert seeded["Glycohemoglobin"] == ("A1C", "also_called")
    assert "synonyms from 'Also called' names: 0 added, 0 changed" in second.output


def test_demo_load_keeps_what_editors_edited_retired_or_removed(runner: FlaskCliRunner, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    topics = small_topics(tmp_path)
    assert runner.invoke(args=["demo", "load", "--topics", str(topics)]).exit_code == 0
    plain = runner.invoke(args=["keys", "create", "demo", "--scope", "content"]).output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {plain}"}
    items = client.get("/api/v1/articles?limit=200", headers=headers).get_json()["items"]
    by_title = {a["title"]: a for a in items}
    edited, retired, purged = by_title["A1C"], by_title[sorted(by_title)[1]], by_title[sorted(by_title)[2]]
    assert (
        client.patch(f"/api/v1/articles/{edited['id']}", json={"title": "A1C blood test"}, headers=headers).status_code
        == 200
    )
    assert client.delete(f"/api/v1/articles/{retired['id']}", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/articles/{purged['id']}?purge=true", headers=headers).status_code == 204
    topic_list = client.get("/api/v1/topics", headers=headers).get_json()["items"]
    first_topic = topic_list[0]
    renamed = client.patch(
        f"/api/v1/topics/{first_topic['id']}", json={"description": "Our own words."}, headers=headers
    )
    assert renamed.status_code == 200, renamed.get_json()

    again = runner.invoke(args=["demo", "load", "--topics", str(topics)])
    assert again.exit_code == 0, again.output
    assert "1 created, 0 updated, 22 unchanged, 2 kept as editors left them" in again.output
    assert "reader topics: 0 created, 0 updated, 30 unchanged" in again.output
    after = {a["id"]: a for a in client.get("/api/v1/articles?limit=200", headers=headers).get_json()["items"]}
    assert after[edited["id"]]["title"] == "A1C blood test"
    assert after[retired["id"]]["status"] == "retired"
    assert purged["id"] not in after and purged["url"] in {a["url"] for a in after.values()}, "the missing one is added"
    topic_after = next(
        t for t in client.get("/api/v1/topics", headers=headers).get_json()["items"] if t["id"] == first_topic["id"]
    )
    assert topic_after["description"] == "Our own words."
