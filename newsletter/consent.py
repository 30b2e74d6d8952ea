"""The consent wording a sign-up form shows, stored word for word with each consent record."""

from __future__ import annotations

from service.sites import Site


def consent_wording(site: Site) -> str:
    """What a person agrees to by pressing "Subscribe" on the site's form."""
    return (
        f"By subscribing you agree that {site.name} emails you articles on the topics you choose, "
        "at the time you choose, and keeps your address and choices for that purpose only. "
        "You can change your choices or unsubscribe from any email."
    )
