"""A digest's "view in your browser" page, the clinic's website in the header and the disclaimer footer."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from service.sites import DEFAULT_MEDICAL_DISCLAIMER
from tests.conftest import add_site
from tests.newsletter.digest_fixtures import add_subscriber, build_clinic
from tests.newsletter.test_digests import smtp_app

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SLUG = "digest-clinic"


def send_digest(app: Flask, sink: Any) -> Any:
    build_clinic(app, NOW - timedelta(hours=20))
    add_subscriber(app, "back@example.org", ["Back Pain"], NOW)
    result = app.test_cli_runner().invoke(args=["digests", "send", "--now", NOW.isoformat()])
    assert '"sent": 1' in result.output, result.output
    [received] = sink.messages
    return received.message


def web_path(message: Any) -> str:
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"View this email in your browser: (\S+)", text)
    assert match, text
    html = message.get_body(("html",)).get_content()
    assert f'href="{match.group(1)}"' in html
    return urlsplit(match.group(1)).path


def item_titles(message: Any) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    return re.findall(r"^\d+\. (.+?)\r?$", text, flags=re.MULTILINE)


def test_the_web_version_shows_the_same_items(app: Flask, smtp_sink: Any) -> None:
    message = send_digest(smtp_app(app, smtp_sink), smtp_sink)
    assert message["Subject"] == "Digest Clinic reading for 10 March 2026"
    titles = item_titles(message)
    assert titles
    page = app.test_client().get(web_path(message))
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "<h1>Digest Clinic reading for 10 March 2026</h1>" in body
    assert re.findall(r"<h2><a href=\"[^\"]+\">(.+?)</a></h2>", body) == titles
    assert DEFAULT_MEDICAL_DISCLAIMER in body
    assert "/preferences/" not in body and "/unsubscribe/" not in body  # a forwarded page manages nothing


def test_bad_links_to_the_web_version_get_readable_pages(app: Flask, smtp_sink: Any) -> None:
    message = send_digest(smtp_app(app, smtp_sink), smtp_sink)
    path = web_path(message)
    client = app.test_client()
    tampered = client.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert tampered.status_code == 404 and "This email cannot be shown" in tampered.get_data(as_text=True)
    add_site(app, "other-clinic")
    other = client.get(path.replace(f"/newsletter/{SLUG}/", "/newsletter/other-clinic/"))
    assert other.status_code == 404 and "This email cannot be shown" in other.get_data(as_text=True)
    app.config["DIGEST_PAGE_MAX_AGE_S"] = 1
    time.sleep(2.1)
    expired = client.get(path)
    assert expired.status_code == 410 and "no longer available online" in expired.get_data(as_text=True)


def test_an_erased_subscriber_s_web_version_is_gone(app: Flask, smtp_sink: Any) -> None:
    message = send_digest(smtp_app(app, smtp_sink), smtp_sink)
    path = web_path(message)
    with app.app_context():
        from sqlalchemy import select

        from newsletter.models import Subscriber
        from service import db as database

        with database.new_session() as db:
            db.delete(db.scalar(select(Subscriber)))
            db.commit()
    assert app.test_client().get(path).status_code == 404


def test_site_options_set_the_header_link_and_the_disclaimer(app: Flask, smtp_sink: Any) -> None:
    smtp_app(app, smtp_sink)
    build_clinic(app, NOW - timedelta(hours=20))
    from service import db as database
    from service.auth import SCOPES, create_api_key
    from service.sites import site_by_slug

    with app.app_context(), database.new_session() as db:
        key = create_api_key(db, site_by_slug(db, SLUG), "test", SCOPES)[1]
        db.commit()
    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    settings = client.get("/api/v1/site/settings", headers=headers).get_json()["settings"]
    assert {name: settings[name] for name in ("website_url", "medical_disclaimer", "privacy_url")} == {
        "website_url": "",
        "medical_disclaimer": DEFAULT_MEDICAL_DISCLAIMER,
        "privacy_url": "",
    }
    assert settings["default_time_zone"] == "UTC"
    bad = client.patch(
        "/api/v1/site/settings",
        json={
            "website_url": "javascript:alert(1)",
            "medical_disclaimer": "x" * 1001,
            "colour": "red",
            "privacy_url": "ftp://clinic.example/privacy",
            "default_time_zone": "Mars/Olympus_Mons",
        },
        headers=headers,
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {
        "website_url",
        "medical_disclaimer",
        "colour",
        "privacy_url",
        "default_time_zone",
    }
    assert client.get("/api/v1/site/settings", headers=headers).get_json()["settings"]["website_url"] == ""
    assert client.patch("/api/v1/site/settings", data="[]", headers=headers).status_code == 415
    good = client.patch(
        "/api/v1/site/settings",
        json={"website_url": "https://www.digest-clinic.example/", "medical_disclaimer": "Ask <your> nurse."},
        headers=headers,
    )
    assert good.status_code == 200, good.get_json()
    add_subscriber(app, "back@example.org", ["Back Pain"], NOW)
    client.application.test_cli_runner().invoke(args=["digests", "send", "--now", NOW.isoformat()])
    [received] = smtp_sink.messages
    html = received.message.get_body(("html",)).get_content()
    text = received.message.get_body(("plain",)).get_content()
    assert '<td class="header"' in html and 'href="https://www.digest-clinic.example/"' in html
    assert 'href="https://service.test"' not in html and 'href="https://service.test/"' not in html
    assert "Ask &lt;your&gt; nurse." in html and "Ask <your> nurse." in text
