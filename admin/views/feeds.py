"""Feeds: the site's feed sources and their status, add, pause/resume, delete, poll now, recent polls.

Everything a feed sends (titles, links, error texts, rejection reasons) is hostile: the templates print it
only through Jinja's autoescaping, never ``|safe``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import FeedForm, required_text
from admin.reports import recent_polls
from admin.views.common import apply_api_error
from articles.feeds import sources
from articles.feeds.models import FeedPoll
from articles.feeds.polling import poll_feed
from articles.feeds.sources import FeedIn, FeedPatch
from articles.schemas import parse_model
from service import db as database
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site

log = logging.getLogger(__name__)
COUNTS = (
    ("seen", "Seen"),
    ("created", "Created"),
    ("updated", "Updated"),
    ("unchanged", "Unchanged"),
    ("skipped_edited", "Skipped (edited here)"),
    ("rejected", "Rejected"),
)


def _feeds_page(site: Site, form: FeedForm, status: int = 200) -> Any:
    feeds = sources.list_feeds(database.session(), site)
    return render_template(
        "admin/feeds.html",
        feeds=feeds,
        form=form,
        counts=COUNTS,
        interval_min=sources.INTERVAL_MIN,
        interval_max=sources.INTERVAL_MAX,
    ), status


@bp.route("/<site>/feeds", methods=["GET", "POST"])
@require_editor()
def feeds(site: Site) -> Any:
    form = FeedForm()
    if not form.validate_on_submit():
        return _feeds_page(site, form, 422 if form.is_submitted() else 200)
    minutes = int(required_text(form.interval_minutes))
    if not sources.INTERVAL_MIN <= minutes <= sources.INTERVAL_MAX:
        form.interval_minutes.errors = [
            f"Enter a number of minutes from {sources.INTERVAL_MIN} to {sources.INTERVAL_MAX}."
        ]
        return _feeds_page(site, form, 422)
    db = database.session()
    try:
        data = parse_model(FeedIn, {"url": form.url.data, "interval_minutes": minutes})
        feed = sources.add_feed(
            db,
            site,
            data,
            allow_private=bool(current_app.config.get("FEEDS_ALLOW_PRIVATE_HOSTS")),
            allowed_networks=sources.allowed_networks(current_app.config),
        )
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="url")
        return _feeds_page(site, form, err.status)
    db.commit()
    log.info("feed %s added to site %s from the admin pages", feed.id, site.slug)
    flash("Feed added: it will be checked within a minute, or use “Check now”.", "success")
    return redirect(url_for("admin.feed", site=site.slug, feed_id=feed.id))


@bp.get("/<site>/feeds/<int:feed_id>")
@require_editor()
def feed(site: Site, feed_id: int) -> Any:
    db = database.session()
    source = sources.get_feed(db, site, feed_id)
    return render_template("admin/feed.html", feed=source, polls=recent_polls(db, source), counts=COUNTS)


@bp.post("/<site>/feeds/<int:feed_id>/<any(pause,resume):change>")
@require_editor()
def feed_pause(site: Site, feed_id: int, change: str) -> Any:
    db = database.session()
    sources.update_feed(db, site, feed_id, FeedPatch(paused=change == "pause"))
    db.commit()
    flash(
        "Feed paused: it is not checked until you resume it."
        if change == "pause"
        else "Feed resumed: it will be checked within a minute.",
        "success",
    )
    return redirect(url_for("admin.feed", site=site.slug, feed_id=feed_id))


@bp.post("/<site>/feeds/<int:feed_id>/delete")
@require_editor()
def feed_delete(site: Site, feed_id: int) -> Any:
    db = database.session()
    sources.delete_feed(db, site, feed_id)
    db.commit()
    log.info("feed %s of site %s deleted from the admin pages", feed_id, site.slug)
    flash("Feed deleted. The articles it imported stay.", "success")
    return redirect(url_for("admin.feeds", site=site.slug))


def poll_summary(poll: FeedPoll) -> str:
    """One sentence about a poll's outcome (shown escaped: the error text comes from the feed's server)."""
    if poll.outcome == "error":
        return f"The check failed: {poll.error}"
    if poll.outcome == "not_modified":
        return "Checked: the feed has not changed since the last check."
    return (
        f"Checked: {poll.entries_seen} entries seen, {poll.created} created, {poll.updated} updated, "
        f"{poll.unchanged} unchanged, {poll.skipped_edited} skipped, {poll.rejected} rejected."
    )


@bp.post("/<site>/feeds/<int:feed_id>/poll")
@require_editor()
def feed_poll(site: Site, feed_id: int) -> Any:
    db = database.session()
    poll = poll_feed(db, sources.get_feed(db, site, feed_id), utcnow(), current_app.config)
    flash(poll_summary(poll), "error" if poll.outcome == "error" else "success")
    return redirect(url_for("admin.feed", site=site.slug, feed_id=feed_id))
