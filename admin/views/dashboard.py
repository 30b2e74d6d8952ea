"""The dashboard: articles by status, subscribers and their growth, the latest feed poll and the latest digest
run that sent mail, with times in the site's zone, and a warning when the scheduler (which runs digests, feed
checks, purges and refits for every site) is not running."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template

from admin.auth import require_editor
from admin.blueprint import bp
from admin.queries import latest_digest_run, latest_feed_poll, status_counts
from admin.site_time import local_time
from admin.subscriber_growth import subscriber_growth
from articles.feeds.models import FeedPoll
from jobs.health import NEVER_STARTED, scheduler_health
from newsletter.digests.ledger import DigestRun
from service import db as database
from service.db import utcnow
from service.sites import Site


@dataclass(frozen=True)
class Panel:
    """One card: the facts of the newest record (None when nothing has run yet) and the page it links to."""

    heading: str
    facts: Sequence[tuple[str, object]] | None
    link: tuple[str, str]


def _shown(value: object, site: Site) -> object:
    """A fact as the page prints it: times in the site's zone to the minute, a dash for nothing."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return local_time(value, site)
    return value


def _facts(site: Site, *pairs: tuple[str, object]) -> list[tuple[str, object]]:
    return [(label, _shown(value, site)) for label, value in pairs]


def feed_poll_panel(poll: FeedPoll | None, site: Site) -> Panel:
    facts = None
    if poll is not None:
        facts = _facts(
            site,
            ("Finished at", poll.finished_at),
            ("Outcome", poll.outcome),
            ("Created", poll.created),
            ("Updated", poll.updated),
            ("Rejected", poll.rejected),
            ("Error", poll.error),
        )
    return Panel("Last feed import", facts, ("admin.feeds", "Feeds and their checks"))


def digest_run_panel(sent: DigestRun | None, latest: DigestRun | None, site: Site) -> Panel:
    """The newest run that sent mail; the newest run of all when it is a later one that sent nothing."""
    facts = None
    if sent is not None:
        facts = _facts(
            site,
            ("Started at", sent.started_at),
            ("Finished at", sent.finished_at),
            ("Due", sent.due),
            ("Sent", sent.sent),
            ("Skipped", sent.skipped),
            ("Failed", sent.failed),
        )
    if latest is not None and (sent is None or latest.id != sent.id):
        note = f"{local_time(latest.started_at, site)}, sent nothing ({latest.due} due, {latest.failed} failed)"
        facts = [*(facts or [("Sent mail", "never yet")]), ("Latest run", note)]
    return Panel("Last digest run that sent mail", facts, ("admin.digests", "Digest schedule and runs"))


def scheduler_warning(health: dict[str, Any], site: Site) -> str | None:
    """What the dashboard says when the scheduler is not running (None while it ticks on time)."""
    if not health["stale"]:
        return None
    if health["state"] == NEVER_STARTED:
        return (
            "No scheduler has run on this database yet: digests, feed checks, purges and nightly refits wait "
            "for “flask --app wsgi jobs run”."
        )
    since = _shown(datetime.fromisoformat(health["since"]), site)
    return (
        f"The scheduler stopped since {since}: digests, feed checks, purges and nightly refits are not running "
        "until it is back."
    )


@bp.get("/<site>/")
@require_editor()
def dashboard(site: Site) -> Any:
    db = database.session()
    counts = status_counts(db, site)
    panels = [
        feed_poll_panel(latest_feed_poll(db, site), site),
        digest_run_panel(latest_digest_run(db, site, sent_mail=True), latest_digest_run(db, site), site),
    ]
    return render_template(
        "admin/dashboard.html",
        counts=counts,
        total=sum(counts.values()),
        panels=panels,
        scheduler_warning=scheduler_warning(scheduler_health(db), site),
        growth=subscriber_growth(db, site, utcnow()),
        zone=str(site.setting("default_time_zone") or "UTC"),
    )
