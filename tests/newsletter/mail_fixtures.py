"""Plain builders shared by the mailer tests."""

from __future__ import annotations

from newsletter.mail import Branding, build_message

BASE = "https://reads.example.org"
UNSUB_URL = f"{BASE}/u/tok123"
UNSUB_MAILTO = "mailto:unsubscribe+tok123@riverside.example.org?subject=unsubscribe"
PREFS_URL = f"{BASE}/preferences/tok123"


def branding(**overrides) -> Branding:
    values = dict(
        site_name="Riverside Clinic",
        slug="riverside",
        from_address="news@riverside.example.org",
        reply_to="hello@riverside.example.org",
        postal_address="1 River Road\nSpringfield, IL 62701",
        list_id_domain="clinicreads.example.org",
        base_url=BASE,
        logo_url=f"{BASE}/static/riverside-logo.png",
        colour="#1f6f8b",
        credit="Source: MedlinePlus, National Library of Medicine",
    )
    values.update(overrides)
    return Branding(**values)


def digest_items():
    return [
        {
            "title": "Gentle stretches for a stiff lower back",
            "url": f"{BASE}/a/101",
            "summary": "Five moves you can do at your desk.",
            "image_url": f"{BASE}/img/101.jpg",
            "image_alt": "A person stretching",
            "reason": "Because you follow Back pain",
        },
        {
            "title": "Sleeping well",
            "url": f"{BASE}/a/102",
            "summary": "Small habits that help.",
            "reason": "Because you follow Insomnia",
            "credit": "Source: MedlinePlus",
        },
    ]


def digest_message(to: str = "pat@example.com", **kwargs):
    context = {"items": digest_items(), "preferences_url": PREFS_URL}
    context.update(kwargs.pop("context", {}))
    return build_message(
        "digest", kwargs.pop("branding", None) or branding(), to, context, UNSUB_URL, UNSUB_MAILTO, **kwargs
    )
