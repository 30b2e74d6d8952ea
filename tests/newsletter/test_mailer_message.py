"""Rendering and headers of built messages (no network)."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime

import pytest

from newsletter.mail import Branding, DigestItem, build_message, environment, render
from newsletter.mail.branding import text_colour_on
from tests.newsletter.mail_fixtures import (
    BASE,
    PREFS_URL,
    UNSUB_MAILTO,
    UNSUB_URL,
    branding,
    digest_items,
    digest_message,
)


def reparse(msg):
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


def parts(msg):
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_digest_is_multipart_alternative_text_then_html():
    msg = reparse(digest_message())
    assert msg.get_content_type() == "multipart/alternative"
    types = [p.get_content_type() for p in msg.iter_parts()]
    assert types == ["text/plain", "text/html"]
    for part in msg.iter_parts():
        assert part.get_content_charset() == "utf-8"


def test_headers():
    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    msg = reparse(digest_message(now=when))
    assert msg["From"].addresses[0].addr_spec == "news@riverside.example.org"
    assert msg["From"].addresses[0].display_name == "Riverside Clinic"
    assert msg["Reply-To"].addresses[0].addr_spec == "hello@riverside.example.org"
    assert msg["To"].addresses[0].addr_spec == "pat@example.com"
    assert msg["Subject"] == "Your reading from Riverside Clinic"
    assert msg["Date"].datetime == when
    assert re.fullmatch(r"<[^<>@\s]+@riverside\.example\.org>", msg["Message-ID"])
    assert msg["List-Id"] == "Riverside Clinic <riverside.clinicreads.example.org>"
    assert msg["List-Unsubscribe"] == f"<{UNSUB_URL}>, <{UNSUB_MAILTO}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_message_ids_are_unique():
    assert digest_message()["Message-ID"] != digest_message()["Message-ID"]


def test_mailto_may_be_a_bare_address_or_left_out():
    b = branding(reply_to=None)
    ctx = {"items": digest_items(), "preferences_url": PREFS_URL}
    msg = build_message("digest", b, "pat@example.com", ctx, UNSUB_URL, "unsub@riverside.example.org")
    assert msg["List-Unsubscribe"] == f"<{UNSUB_URL}>, <mailto:unsub@riverside.example.org>"
    assert msg["Reply-To"] is None
    msg = build_message("digest", b, "pat@example.com", ctx, UNSUB_URL, None)
    assert msg["List-Unsubscribe"] == f"<{UNSUB_URL}>"


def test_footer_in_both_parts_has_postal_address_and_links():
    text, html = parts(digest_message())
    for body in (text, html):
        assert PREFS_URL in body
        assert UNSUB_URL in body
        assert "1 River Road" in body and "Springfield, IL 62701" in body
        assert "Source: MedlinePlus, National Library of Medicine" in body


def test_digest_items_in_both_parts():
    text, html = parts(digest_message())
    for body in (text, html):
        assert "Gentle stretches for a stiff lower back" in body
        assert "Five moves you can do at your desk." in body
        assert "Because you follow Back pain" in body
        assert f"{BASE}/a/101" in body and f"{BASE}/a/102" in body
    assert 'alt="A person stretching"' in html
    assert "Source: MedlinePlus" in text.split("Sleeping well")[1]


def test_html_is_email_safe():
    _, html = parts(digest_message())
    assert "max-width: 600px" in html
    assert 'role="presentation"' in html
    assert "prefers-color-scheme: dark" in html  # kept as an at-rule
    assert 'name="color-scheme"' in html
    # CSS is inlined: the header cell carries the brand colour in a style attribute
    assert re.search(r'class="header"[^>]*style="[^"]*background-color: #1f6f8b', html)
    # every image has alt text; only the logo and the article image, no pixels
    imgs = re.findall(r"<img\b[^>]*>", html)
    assert len(imgs) == 2
    assert all(re.search(r'\balt="[^"]+"', tag) for tag in imgs)
    assert all(BASE in tag for tag in imgs)


def test_subject_and_preview_never_carry_interests():
    msg = digest_message()
    text, html = parts(msg)
    preheader = re.search(r'class="preheader"[^>]*>([^<]*)<', html).group(1)
    for value in (msg["Subject"], preheader, msg["List-Id"], msg["List-Unsubscribe"]):
        assert "Back pain" not in value and "Insomnia" not in value
        assert "stretch" not in value.lower()
    # the caller cannot set a subject through the context
    msg = digest_message(context={"subject": "Back pain news"})
    assert msg["Subject"] == "Your reading from Riverside Clinic"


def test_title_with_script_is_escaped_in_html():
    items = digest_items()
    items[0]["title"] = '<script>alert("x")</script> & more'
    items[0].pop("image_alt")
    ctx = {"items": items, "preferences_url": PREFS_URL}
    msg = build_message("digest", branding(), "pat@example.com", ctx, UNSUB_URL, UNSUB_MAILTO)
    text, html = parts(msg)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert '<script>alert("x")</script> & more' in text  # plain text is not HTML-escaped


def test_confirm_message():
    ctx = {"confirm_url": f"{BASE}/confirm/abc?x=1&y=2", "preferences_url": PREFS_URL}
    msg = reparse(build_message("confirm", branding(), "pat@example.com", ctx, UNSUB_URL, UNSUB_MAILTO))
    assert msg["Subject"] == "Please confirm your subscription to Riverside Clinic"
    text, html = parts(msg)
    assert f"{BASE}/confirm/abc?x=1&y=2" in text
    assert f'href="{BASE}/confirm/abc?x=1&amp;y=2"' in html
    assert UNSUB_URL in html and "1 River Road" in html


def test_notice_message():
    ctx = {
        "heading": "You have been unsubscribed",
        "paragraphs": ["We will not email you again.", "Changed your mind?"],
        "action_url": f"{BASE}/subscribe",
        "action_label": "Subscribe again",
        "preferences_url": PREFS_URL,
    }
    msg = build_message("notice", branding(), "pat@example.com", ctx, UNSUB_URL, UNSUB_MAILTO)
    assert msg["Subject"] == "A message from Riverside Clinic"
    text, html = parts(msg)
    assert "We will not email you again." in text and "Changed your mind?" in html
    assert f"Subscribe again: {BASE}/subscribe" in text


def test_no_logo_shows_site_name_and_short_colour_expands():
    html = render(
        "confirm",
        branding(logo_url=None, colour="#fc0"),
        {"confirm_url": f"{BASE}/c", "preferences_url": PREFS_URL},
        UNSUB_URL,
    ).html
    assert "<img" not in html
    assert "#ffcc00" in html
    assert "color: #111111" in html  # dark text on a light brand colour


@pytest.mark.parametrize(
    "background, text",
    [("#ffffff", "#111111"), ("#ffcc00", "#111111"), ("#000000", "#ffffff"), ("#0b6e4f", "#ffffff")],
)
def test_text_colour_on_a_background_is_the_more_contrasting(background, text):
    assert text_colour_on(background) == text


def test_digest_items_may_be_dataclasses():
    items = [DigestItem(title="One", url=f"{BASE}/a/1")]
    rendered = render("digest", branding(), {"items": items, "preferences_url": PREFS_URL}, UNSUB_URL)
    assert "One" in rendered.text
    assert rendered.preheader == "1 new article picked for you"


def test_environment_is_autoescaping_for_html_only():
    env = environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert env.get_template("email/base.html").environment is env


@pytest.mark.parametrize(
    "bad",
    [
        "pat@example.com\r\nBcc: victim@example.com",
        "pat@example.com\nX: y",
        "Pat <pat@example.com>",
        "a@b@example.com",
        "no-at-sign",
        "pat@example.com, other@example.com",
    ],
)
def test_recipient_header_injection_rejected(bad):
    with pytest.raises(ValueError):
        digest_message(to=bad)


@pytest.mark.parametrize(
    "field,value",
    [
        ("site_name", "Clinic\r\nBcc: x@example.com"),
        ("from_address", "news@example.org\nBcc: x@example.com"),
        ("reply_to", "x@example.org\r\n"),
        ("colour", "red"),
        ("colour", "#12345"),
        ("colour", "#123456; background: url(x)"),
        ("slug", "Bad Slug"),
        ("postal_address", ""),
        ("base_url", "javascript:alert(1)"),
        ("logo_url", "ftp://example.org/logo.png"),
        ("list_id_domain", "not a domain"),
    ],
)
def test_branding_validation(field, value):
    with pytest.raises(ValueError):
        branding(**{field: value})


@pytest.mark.parametrize(
    "unsub_url,mailto",
    [
        ("http://reads.example.org/u/1", None),  # one-click needs https
        ("https://reads.example.org/u/1\r\nBcc: x@example.com", None),
        ("https://reads.example.org/u/1>, <https://evil.example", None),
        (UNSUB_URL, "mailto:unsub@example.org\r\nBcc: x@example.com"),
        (UNSUB_URL, "mailto:unsub@example.org>, <https://evil.example"),
        (UNSUB_URL, "not an address"),
    ],
)
def test_unsubscribe_targets_validated(unsub_url, mailto):
    ctx = {"items": digest_items(), "preferences_url": PREFS_URL}
    with pytest.raises(ValueError):
        build_message("digest", branding(), "pat@example.com", ctx, unsub_url, mailto)


def test_http_unsubscribe_allowed_for_localhost_only():
    ctx = {"items": digest_items(), "preferences_url": PREFS_URL}
    msg = build_message("digest", branding(), "pat@example.com", ctx, "http://localhost:5000/u/1", None)
    assert msg["List-Unsubscribe"] == "<http://localhost:5000/u/1>"


@pytest.mark.parametrize(
    "kind,context",
    [
        ("digest", {"items": [], "preferences_url": PREFS_URL}),
        ("digest", {"items": [{"title": "x", "url": "javascript:alert(1)"}], "preferences_url": PREFS_URL}),
        (
            "digest",
            {
                "items": [{"title": "x", "url": f"{BASE}/a", "image_url": "data:image/png;base64,AA"}],
                "preferences_url": PREFS_URL,
            },
        ),
        ("digest", {"items": digest_items()}),  # no preferences_url
        ("confirm", {"preferences_url": PREFS_URL}),
        ("notice", {"preferences_url": PREFS_URL}),
        ("newsletter", {"preferences_url": PREFS_URL}),
    ],
)
def test_bad_context_rejected(kind, context):
    with pytest.raises(ValueError):
        build_message(kind, branding(), "pat@example.com", context, UNSUB_URL, UNSUB_MAILTO)


def test_naive_now_rejected():
    with pytest.raises(ValueError):
        digest_message(now=datetime(2026, 1, 1))


def test_branding_is_plain_and_frozen():
    b = branding()
    assert isinstance(b, Branding)
    with pytest.raises(AttributeError):
        b.colour = "#000000"  # type: ignore[misc]
