"""The embeddable sign-up form and the public pages: accessible markup, clinic branding."""

from __future__ import annotations

import re

from tests.newsletter.subscriber_helpers import BASE, link, plain, subscribe


def test_form_fragment_lists_the_sites_topics_accessibly(mail_client, clinic):
    response = mail_client.get("/newsletter/clinic-a/form")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and not html.lstrip().startswith("<!doctype")
    assert f'action="{BASE}/api/v1/sites/clinic-a/subscribe"' in html
    assert re.search(r'<label class="cr-label" for="cr-email-clinic-a">Email address</label>', html)
    assert 'id="cr-email-clinic-a" name="email" required autocomplete="email"' in html
    assert "<legend>Topics that interest you</legend>" in html
    topics = re.findall(r'name="topics" value="([^"]+)"', html)
    assert topics == ["exercise", "insomnia", "nerve pain", "Pain", "Sleep"]
    assert ":focus-visible" in html


def test_signup_page_is_branded(mail_app, mail_client, clinic):
    html = mail_client.get("/newsletter/clinic-a").get_data(as_text=True)
    assert "<title>Subscribe — Clinic-A</title>" in html
    assert "--brand: #0b6e4f" in html and 'name="viewport"' in html


def test_topics_of_drafts_are_not_offered(mail_app, mail_client, clinic):
    from tests.conftest import article_payload

    mail_client.post(
        "/api/v1/articles",
        headers=clinic.headers,
        json=article_payload(url="https://clinic-a.example/draft", status="draft", tags=["secret"]),
    )
    html = mail_client.get("/newsletter/clinic-a/form").get_data(as_text=True)
    assert "secret" not in html
    assert subscribe(mail_client, topics=["secret"]).status_code == 422


def test_pages_never_show_interests_in_urls(mail_app, mail_client, clinic, smtp_sink):
    subscribe(mail_client, topics=["Pain"], interest_text="back pain")
    text = plain(smtp_sink.messages[0])
    for url in re.findall(r"https://\S+", text):
        assert "pain" not in url.lower()
    page = mail_client.get(link(text, "preferences"))
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
