"""Sites: one clinic each. Every article, subscriber and key belongs to one site."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, UTCDateTime, utcnow
from service.errors import ApiError

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
ORIGIN_PATTERN = re.compile(r"^https?://[a-z0-9.-]+(?::\d{1,5})?$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")

DEFAULT_MEDICAL_DISCLAIMER = (
    "This reading is general health information, not medical advice. It does not replace a visit to your"
    " doctor or nurse. In an emergency, call your local emergency number."
)

#: the parts of an article compared when related links are found, in the order the settings page shows them
FIELD_NAMES = ("title", "summary", "body", "tags", "categories")
#: how much each part counts unless a site sets its own (the same values as the recommender's defaults)
DEFAULT_FIELD_WEIGHTS: dict[str, float] = {"title": 2.0, "summary": 1.0, "body": 1.0, "tags": 0.2, "categories": 0.1}

#: Per-site options and their defaults; stored in Site.settings, read with Site.setting().
DEFAULT_SITE_SETTINGS: dict[str, Any] = {
    "digest_max_items": 5,
    "digest_min_score": 0.05,
    "digest_send_newest_anyway": False,
    "related_fallback": True,
    "related_min_score": 0.05,
    # the minimum-evidence rule (recommender.evidence.MinimumEvidence): keys left out keep these values;
    # min_text, label_gate, min_terms and few_terms_min_text are off here (they did not help on every fold)
    "related_min_evidence": {
        "label_min_peak": 0.02,
        "mention_bonus": 0.04,
        "latent_weight": 0.03,
        "feedback_weight": 0.05,
    },
    "related_diversity": None,  # MMR lambda (e.g. 0.8) or None for pure similarity order
    "related_reviewed_within_months": None,
    "field_weights": DEFAULT_FIELD_WEIGHTS,  # recommender.fields: how much each part of an article counts
    "click_counting": False,
    "overwrite_editor_edits": False,
    "store_consent_ip": False,  # keep the sign-up IP address with a subscriber's consent record
    "unsubscribe_mailto": "",  # an address in List-Unsubscribe that a person reads; empty: URL only
    "website_url": "",  # the clinic's own website: the emails' header and logo link there
    "medical_disclaimer": DEFAULT_MEDICAL_DISCLAIMER,  # the footer of every digest
    "privacy_url": "",  # the clinic's privacy notice, linked from the sign-up form; empty: no link
    "default_time_zone": "UTC",  # IANA name for sign-ups whose browser sent none (or one unknown here)
    "widget_limit": 4,  # links a widget shows when the page does not set data-limit; the related pages' cut-off
    "host_aliases": {},  # {"staging.clinic.example": "www.clinic.example"}: the widget's lookup maps alias hosts
}


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    brand_colour: Mapped[str] = mapped_column(String(7), default="#0b6e4f")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    from_email: Mapped[str | None] = mapped_column(String(320))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def setting(self, name: str) -> Any:
        default = DEFAULT_SITE_SETTINGS[name]
        value = (self.settings or {}).get(name, default)
        return dict(value) if isinstance(value, dict) else value


def validate_slug(slug: str) -> str:
    if not SLUG_PATTERN.match(slug or ""):
        raise ApiError(422, "invalid_slug", "A site slug is 1-64 lower-case letters, digits and hyphens.")
    return slug


def validate_origin(origin: str) -> str:
    origin = origin.strip().rstrip("/").lower()
    if not ORIGIN_PATTERN.match(origin):
        raise ApiError(422, "invalid_origin", f"Not an origin (scheme://host[:port]): {origin!r}")
    return origin


def create_site(db: Session, slug: str, name: str, origins: list[str] | None = None, **branding: Any) -> Site:
    """Create a site; a taken slug is a 409."""
    validate_slug(slug)
    if not name.strip():
        raise ApiError(422, "invalid_name", "A site needs a name.")
    if db.scalar(select(Site.id).where(Site.slug == slug)) is not None:
        raise ApiError(409, "site_exists", f"A site with slug {slug!r} already exists.")
    if "brand_colour" in branding and not COLOUR_PATTERN.match(branding["brand_colour"] or ""):
        raise ApiError(422, "invalid_colour", "Brand colour is #rrggbb.")
    site = Site(
        slug=slug,
        name=name.strip(),
        allowed_origins=[validate_origin(o) for o in origins or []],
        settings={},
        **branding,
    )
    db.add(site)
    db.flush()
    return site


def site_by_slug(db: Session, slug: str) -> Site:
    """The site named ``slug``, or a 404."""
    site = db.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise ApiError(404, "unknown_site", f"No site {slug!r}.")
    return site
