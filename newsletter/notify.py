"""Mail about a subscription (the confirmation), sent through the project's mailer."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from newsletter.mail import Branding, MailBackendError, build_message, make_backend
from newsletter.mail.outbox import delete_copies_to
from newsletter.mail.safety import check_url
from newsletter.models import Subscriber
from newsletter.subscriptions import links_for, token_for
from service.settings import MailSettings
from service.sites import Site

log = logging.getLogger(__name__)

POSTAL_PLACEHOLDER = "Postal address not yet set by the clinic"
_DNS_NAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _service_domain(base_url: str) -> str:
    host = (urlsplit(base_url).hostname or "").lower()
    return host if _DNS_NAME.match(host) else "localhost"


def _website(site: Site) -> str | None:
    """The site's ``website_url`` when it is a usable link (the settings API and page check it; a value stored
    some other way that is not one is dropped rather than stop the site's mail)."""
    url = site.setting("website_url") or None
    try:
        return check_url(url, "website_url") if url else None
    except ValueError:
        log.warning("site %s has an unusable website_url; emails link to its sign-up page", site.slug)
        return None


def branding_for(site: Site, base_url: str) -> Branding:
    """The site's email identity. From address falls back to ``news@<host of PUBLIC_BASE_URL>``
    (``news@localhost`` when that host is an IP address); an empty postal address is replaced by a
    clear placeholder and logged as a warning (the footer of every email needs one)."""
    domain = _service_domain(base_url)
    from_address = site.from_email or f"news@{domain}"
    postal = site.postal_address or ""
    if not postal.strip():
        log.warning("site %s has no postal address; emails show a placeholder", site.slug)
        postal = POSTAL_PLACEHOLDER
    list_domain = from_address.rsplit("@", 1)[1].lower()
    return Branding(
        site_name=site.name,
        slug=site.slug,
        from_address=from_address,
        postal_address=postal,
        list_id_domain=list_domain if _DNS_NAME.match(list_domain) else domain,
        base_url=base_url,
        reply_to=site.reply_to or None,
        logo_url=site.logo_url or None,
        colour=site.brand_colour or "#0b6e4f",
        website_url=_website(site),
        disclaimer=site.setting("medical_disclaimer") or None,
    )


def send_confirmation(config: Mapping[str, Any], subscriber: Subscriber, now: datetime) -> bool:
    """Send the confirm email; False (logged) when the mail system refused or failed."""
    base_url, secret = config["PUBLIC_BASE_URL"], config["SECRET_KEY"]
    links = links_for(subscriber, base_url, secret)
    confirm_url = (
        f"{base_url.rstrip('/')}/newsletter/{subscriber.site.slug}/confirm/{token_for(subscriber, 'confirm', secret)}"
    )
    try:
        message = build_message(
            "confirm",
            branding_for(subscriber.site, base_url),
            subscriber.email,
            {"confirm_url": confirm_url, "preferences_url": links["preferences_url"]},
            links["one_click_url"],
            links["mailto"],
            now=now,
        )
        with make_backend(config) as backend:
            result = backend.send(message)
    except (MailBackendError, ValueError, OSError) as exc:
        log.error("confirmation for subscriber %s of site %s not sent: %s", subscriber.id, subscriber.site.slug, exc)
        return False
    if not result.ok:
        log.error(
            "confirmation for subscriber %s of site %s refused (code %s)",
            subscriber.id,
            subscriber.site.slug,
            result.code,
        )
    return result.ok


def erase_outbox_copies(config: Mapping[str, Any], address: str) -> int:
    """Delete the outbox's copies of mail to an erased ``address`` (whatever backend is configured now: the
    folder may hold copies from when it was the outbox). Call after the erasure is committed."""
    return delete_copies_to(MailSettings.from_config(config).outbox_dir, address)
