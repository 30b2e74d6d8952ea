"""The per-site look and sender identity of every email."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .safety import check_address, check_header_text, check_url

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$")


def text_colour_on(colour: str) -> str:
    """Near-black or white text, whichever contrasts more with the ``#rrggbb`` background ``colour``.

    Contrast as WCAG 2 defines it: ratios of relative luminance, with sRGB channels linearised first.
    """
    channels = []
    for i in (1, 3, 5):
        v = int(colour[i : i + 2], 16) / 255
        channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return "#111111" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


@dataclass(frozen=True)
class Branding:
    """A clinic's identity in mail. Validated on creation (raises ``ValueError``).

    ``list_id_domain`` names the list in ``List-Id: <slug.list_id_domain>``;
    ``base_url`` is the public URL of the service; ``credit`` is an optional
    site-wide source line (e.g. "Source: MedlinePlus, National Library of Medicine");
    ``website_url`` is the clinic's own website, where the header and logo link (the service's
    sign-up page when None); ``disclaimer`` is the medical disclaimer printed at the foot of digests.
    """

    site_name: str
    slug: str
    from_address: str
    postal_address: str
    list_id_domain: str
    base_url: str
    reply_to: str | None = None
    logo_url: str | None = None
    colour: str = "#1f6f8b"
    credit: str | None = None
    website_url: str | None = None
    disclaimer: str | None = None

    def __post_init__(self) -> None:
        check_header_text(self.site_name, "site_name")
        if not self.site_name.strip():
            raise ValueError("site_name must not be empty")
        if not _SLUG.match(self.slug):
            raise ValueError("slug must be lower-case letters, digits and hyphens")
        check_address(self.from_address, "from_address")
        if self.reply_to is not None:
            check_address(self.reply_to, "reply_to")
        if not self.postal_address or not self.postal_address.strip():
            raise ValueError("postal_address is required (CAN-SPAM)")
        if not _DOMAIN.match(self.list_id_domain.lower()):
            raise ValueError("list_id_domain must be a domain name")
        check_url(self.base_url, "base_url")
        if self.logo_url is not None:
            check_url(self.logo_url, "logo_url")
        if self.website_url is not None:
            check_url(self.website_url, "website_url")
        if self.disclaimer is not None and not isinstance(self.disclaimer, str):
            raise ValueError("disclaimer must be a string")
        if not isinstance(self.colour, str) or not _HEX.match(self.colour):
            raise ValueError("colour must be a hex colour like #1f6f8b")

    @property
    def colour_hex(self) -> str:
        """The colour as ``#rrggbb`` (expands ``#rgb``)."""
        c = self.colour.lower()
        if len(c) == 4:
            c = "#" + "".join(ch * 2 for ch in c[1:])
        return c

    @property
    def on_colour(self) -> str:
        """Black or white, whichever reads better on ``colour``."""
        return text_colour_on(self.colour_hex)

    @property
    def home_url(self) -> str:
        """Where the header and logo link: the clinic's website, else the site's sign-up page."""
        return self.website_url or f"{self.base_url.rstrip('/')}/newsletter/{self.slug}"

    @property
    def list_id(self) -> str:
        return f"{self.slug}.{self.list_id_domain.lower()}"
