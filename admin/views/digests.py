"""Digests: the sending job's schedule, this site's recent runs; a subscriber's digest preview and a test send
to the signed-in editor (administrators only: a digest's picks and reasons reveal the subscriber's interests).

The preview is the email's HTML, served by its own GET route into a sandboxed iframe: the HTML is built from
article data (feeds included), so it runs with no scripts, no same-origin access and no network but images.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import SubscriberLookupForm, required_text
from admin.reports import digest_job_state, digest_runs, site_subscriber, subscriber_by_email
from newsletter.digests.run import digest_html, preview_digest, send_test_digest
from newsletter.models import Subscriber
from service import db as database
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site

log = logging.getLogger(__name__)
SKIP_REASONS = {
    "no_new_articles": "no new articles were published since their last digest",
    "no_match": "no new article matches their interests",
}
#: the preview document may show images and inline styles, nothing else; ``sandbox`` without flags
PREVIEW_CSP = "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; base-uri 'none'"


def _subscriber_or_404(site: Site, subscriber_id: int) -> Subscriber:
    subscriber = site_subscriber(database.session(), site, subscriber_id)
    if subscriber is None:
        abort(404, f"There is no subscriber {subscriber_id} on this site.")
    return subscriber


def _page(site: Site, form: SubscriberLookupForm | None = None, status: int = 200) -> Any:
    db = database.session()
    now = utcnow()
    chosen, digest = None, None
    wanted = request.args.get("subscriber", "")
    if g.editor.is_admin and wanted.isdigit() and (form is None or not form.errors):
        chosen = _subscriber_or_404(site, int(wanted))
        digest = preview_digest(db, site, chosen, now)
    return render_template(
        "admin/digests.html",
        job=digest_job_state(db, now),
        runs=digest_runs(db, site),
        form=form or SubscriberLookupForm(),
        chosen=chosen,
        digest=digest,
        skip_reasons=SKIP_REASONS,
    ), status


@bp.get("/<site>/digests")
@require_editor()
def digests(site: Site) -> Any:
    return _page(site)


def _lookup(site: Site, text: str) -> Subscriber | None:
    db = database.session()
    text = text.strip()
    return site_subscriber(db, site, int(text)) if text.isdigit() else subscriber_by_email(db, site, text)


@bp.post("/<site>/digests/preview")
@require_editor("admin")
def digest_lookup(site: Site) -> Any:
    """Find the subscriber by number or email, then show their preview (the URL carries only the number)."""
    form = SubscriberLookupForm()
    if not form.validate_on_submit():
        return _page(site, form, 422)
    found = _lookup(site, required_text(form.subscriber))
    if found is None:
        form.subscriber.errors = ["No subscriber of this site has this number or email address."]
        return _page(site, form, 404)
    return redirect(url_for("admin.digests", site=site.slug, subscriber=found.id, _anchor="preview"))


@bp.get("/<site>/digests/preview/<int:subscriber_id>")
@require_editor("admin")
def digest_preview(site: Site, subscriber_id: int) -> Any:
    """The digest email's HTML, for the page's sandboxed iframe (the same HTML the subscriber would get now)."""
    subscriber = _subscriber_or_404(site, subscriber_id)
    now = utcnow()
    digest = preview_digest(database.session(), site, subscriber, now)
    if digest.skipped:
        body = f"<p>Nothing would be sent now: {SKIP_REASONS.get(digest.skipped, digest.skipped)}.</p>"
    else:
        body = digest_html(site, subscriber, digest, current_app.config, now)
    return (
        body,
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": PREVIEW_CSP,
            "X-Frame-Options": "SAMEORIGIN",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.post("/<site>/digests/test/<int:subscriber_id>")
@require_editor("admin")
def digest_test(site: Site, subscriber_id: int) -> Any:
    """Send the subscriber's current digest to the signed-in editor's own address (not recorded)."""
    subscriber = _subscriber_or_404(site, subscriber_id)
    try:
        send_test_digest(database.session(), site, subscriber, g.editor.email, current_app.config, utcnow())
    except ApiError as err:
        flash(err.message, "error")
    else:
        log.info("editor %s sent themselves a test digest of subscriber %s", g.editor.id, subscriber.id)
        flash(f"Test digest sent to {g.editor.email}.", "success")
    return redirect(url_for("admin.digests", site=site.slug, subscriber=subscriber.id, _anchor="preview"))
