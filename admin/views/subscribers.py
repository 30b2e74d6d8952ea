"""Subscribers: counts by status (every editor); search, filter, pages, CSV export, one subscriber's record and
erasure (administrators only).

Interests are health data: they appear only on a subscriber's own page, to administrators, never in a URL
(the list links by number) or a log line.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.reports import site_subscriber, subscriber_page, subscriber_query
from newsletter import notify, subscriptions
from newsletter.export import csv_response
from newsletter.models import STATUSES, Subscriber
from service import db as database
from service.sites import Site

log = logging.getLogger(__name__)
MATCHES = (("prefix", "Starts with"), ("exact", "Is exactly"))


def _filters() -> dict[str, str]:
    status = request.args.get("status", "")
    match = request.args.get("match", "prefix")
    return {
        "q": request.args.get("q", "").strip()[:320],
        "status": status if status in STATUSES else "",
        "match": match if match in dict(MATCHES) else "prefix",
    }


def _query(site: Site, filters: dict[str, str]) -> Any:
    return subscriber_query(site, filters["status"], filters["q"], exact=filters["match"] == "exact")


@bp.get("/<site>/subscribers")
@require_editor()
def subscribers(site: Site) -> Any:
    db = database.session()
    counts = subscriptions.status_counts(db, site)
    filters = _filters()
    result = None
    if g.editor.is_admin:  # editors see the counts only
        page = request.args.get("page", "1")
        result = subscriber_page(db, _query(site, filters), int(page) if page.isdigit() else 1)
    return render_template(
        "admin/subscribers.html",
        counts=counts,
        total=sum(counts.values()),
        result=result,
        statuses=STATUSES,
        matches=MATCHES,
        filters=filters,
        searching=bool(filters["q"] or filters["status"]),
    )


@bp.get("/<site>/subscribers/export.csv")
@require_editor("admin")
def subscriber_export(site: Site) -> Any:
    """The CSV the API exports (same columns, same formula-safe cells), with this page's filters."""
    log.info("site %s: subscribers exported from the admin pages", site.slug)
    return csv_response(_query(site, _filters()), f"{site.slug}-subscribers.csv")


def _subscriber(site: Site, subscriber_id: int) -> Subscriber:
    subscriber = site_subscriber(database.session(), site, subscriber_id)
    if subscriber is None:
        abort(404, f"There is no subscriber {subscriber_id} on this site.")
    return subscriber


@bp.get("/<site>/subscribers/<int:subscriber_id>")
@require_editor("admin")
def subscriber(site: Site, subscriber_id: int) -> Any:
    return render_template("admin/subscriber.html", subscriber=_subscriber(site, subscriber_id))


@bp.route("/<site>/subscribers/<int:subscriber_id>/erase", methods=["GET", "POST"])
@require_editor("admin")
def subscriber_erase(site: Site, subscriber_id: int) -> Any:
    """GET asks for confirmation; POST (with its CSRF token) erases the subscriber and everything about them."""
    person = _subscriber(site, subscriber_id)
    if request.method != "POST":  # GET and HEAD only show the page
        return render_template("admin/subscriber_erase.html", subscriber=person)
    db = database.session()
    address = subscriptions.erase(db, site, person.id)
    db.commit()
    notify.erase_outbox_copies(current_app.config, address)
    flash(f"Subscriber {subscriber_id} erased: nothing about them is kept.", "success")
    return redirect(url_for("admin.subscribers", site=site.slug))
