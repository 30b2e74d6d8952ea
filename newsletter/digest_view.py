"""``GET /newsletter/<site>/digest/<token>``: a sent digest as a web page ("view in your browser").

The token (:mod:`newsletter.digest_links`) names one sent digest; the page shows the articles that digest
carried, in its order, with the site's disclaimer. It shows no preferences or unsubscribe links: a
forwarded email's page must not let someone else manage the subscription. A tampered link is a 404 page,
an expired one a 410 page, both readable.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from articles.models import Article
from newsletter.digest_links import read_page_token
from newsletter.digests import ledger
from newsletter.mail.render import long_date
from newsletter.models import Subscriber
from newsletter.tokens import TokenError
from newsletter.views import _message, _page
from service import db as database
from service.sites import Site, site_by_slug

log = logging.getLogger(__name__)
bp = Blueprint("newsletter_digest_view", __name__, template_folder="templates")


def _unusable(site: Site, err: TokenError) -> ResponseReturnValue:
    return _message(
        site,
        "This email cannot be shown",
        err.message,
        "The articles are still on our website, and your next email will bring new ones.",
        status=err.status,
        link_url=site.setting("website_url") or None,
        link_label=f"Visit {site.name}",
    )


@bp.get("/newsletter/<slug>/digest/<token>")
def digest_page(slug: str, token: str) -> ResponseReturnValue:
    db = database.session()
    site = site_by_slug(db, slug)
    config = current_app.config
    try:
        data = read_page_token(config["SECRET_KEY"], token, config["DIGEST_PAGE_MAX_AGE_S"])
        row = db.get(ledger.DigestSend, data.send_id)
        subscriber = db.get(Subscriber, row.subscriber_id) if row is not None else None
        if (
            data.site_id != site.id
            or row is None
            or row.site_id != site.id
            or row.status != ledger.SENT
            or subscriber is None
            or not data.matches(subscriber.email_hash)
            or not row.article_ids
        ):
            raise TokenError(404, "unknown", "We have no email for this link.")
    except TokenError as err:
        log.info("digest page link refused for site %s: %s", site.slug, err.reason)
        return _unusable(site, err)
    found = {
        a.id: a
        for a in db.scalars(
            select(Article).where(
                Article.site_id == site.id, Article.id.in_(row.article_ids), Article.status == "published"
            )
        )
    }
    articles = [found[i] for i in row.article_ids if i in found]
    return _page(
        "newsletter/digest_page.html",
        site,
        heading=f"{site.name} reading for {long_date(data.issue_date)}",
        articles=articles,
        disclaimer=site.setting("medical_disclaimer"),
        website_url=site.setting("website_url") or None,
    )
