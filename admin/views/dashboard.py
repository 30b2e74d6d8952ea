"""The dashboard: articles by status, the latest feed poll and the latest digest run, and a warning when the
scheduler (which runs digests, feed checks, purges and refits for every site) is not running."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template

from admin.auth import require_editor
from admin.blueprint import bp
from admin.queries import latest_digest_run, latest_feed_poll, status_counts
from articles.feeds.models import FeedPoll
from jobs.health import NEVER_STARTED, scheduler_health
from newsletter.digests.ledger import DigestRun
from service import db as database
from service.sites import Site


@dataclass(frozen=True)
class Panel:
    """One card: the facts of the newest record (None when nothing has run yet) and the page it links to."""

    heading: str
    facts: Sequence[tuple[str, object]] | None
    link: tuple[str, str]


def _shown(value: object) -> object:
    """A fact as the page prints it: times in UTC to the minute, a dash for nothing."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return value


def _facts(*pairs: tuple[str, object]) -> list[tuple[str, object]]:
    return [(label, _shown(value)) for label, value in pairs]


def feed_poll_panel(poll: FeedPoll | None) -> Panel:
    facts = None
    if poll is not None:
        facts = _facts(
            ("Finished at", poll.finished_at),
            ("Outcome", poll.outcome),
            ("Created", poll.created),
            ("Updated", poll.updated),
            ("Rejected", poll.rejected),
            ("Error", poll.error),
        )
    return Panel("Last feed import", facts, ("admin.feeds", "Feeds and their checks"))


def digest_run_panel(run: DigestRun | None) -> Panel:
    facts = None
    if run is not None:
        facts = _facts(
            ("Started at", run.started_at),
            ("Finished at", run.finished_at),
            ("Due", run.due),
            ("Sent", run.sent),
            ("Skipped", run.skipped),
            ("Failed", run.failed),
        )
    return Panel("Last digest run", facts, ("admin.digests", "Digest schedule and runs"))


def scheduler_warning(health: dict[str, Any]) -> str | None:
    """What the dashboard says when the scheduler is not running (None while it ticks on time)."""
    if not health["stale"]:
        return None
    if health["state"] == NEVER_STARTED:
        return (
            "No scheduler has run on this database yet: digests, feed checks, purges and nightly refits wait "
            "for “flask --app wsgi jobs run”."
        )
    since = _shown(datetime.fromisoformat(health["since"]))
    return (
        f"The scheduler stopped since {since}: digests, feed checks, purges and nightly refits are not running "
        "until it is back."
    )


@bp.get("/<site>/")
@require_editor()
def dashboard(site: Site) -> Any:
    db = database.session()
    counts = status_counts(db, site)
    panels = [feed_poll_panel(latest_feed_poll(db, site)), digest_run_panel(latest_digest_run(db, site))]
    return render_template(
        "admin/dashboard.html",
        counts=counts,
        total=sum(counts.values()),
        panels=panels,
        scheduler_warning=scheduler_warning(scheduler_health(db)),
    )
