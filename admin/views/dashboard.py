"""The dashboard: articles by status, and panels for features whose tables may not exist yet."""

from __future__ import annotations

from typing import Any

from flask import render_template

from admin.auth import require_editor
from admin.blueprint import bp
from admin.queries import has_table, latest_row, status_counts
from service import db as database
from service.sites import Site

#: (table, heading, columns to show, what to say before the table exists): a panel shows the site's newest row
#: once the feature that owns the table is installed.
PANELS = (
    (
        "feed_polls",
        "Last feed import",
        ("finished_at", "outcome", "created", "updated", "rejected", "error"),
        "Feed imports are not set up yet.",
    ),
    (
        "digest_runs",
        "Last digest run",
        ("started_at", "finished_at", "due", "sent", "skipped", "failed"),
        "Email digests are not set up yet.",
    ),
)
#: the page each panel links to (its table's feature)
PANEL_LINKS = {
    "feed_polls": ("admin.feeds", "Feeds and their checks"),
    "digest_runs": ("admin.digests", "Digest schedule and runs"),
}


def _panel(table: str, columns: tuple[str, ...], site: Site) -> dict[str, Any] | None:
    """The newest row of ``table`` for the site, once the table exists (None before)."""
    db = database.session()
    if not has_table(db, table):
        return None
    return {"latest": latest_row(db, table, site.id, columns)}


@bp.get("/<site>/")
@require_editor()
def dashboard(site: Site) -> Any:
    counts = status_counts(database.session(), site)
    panels = [
        {"heading": heading, "empty": empty, "data": _panel(table, columns, site), "link": PANEL_LINKS.get(table)}
        for table, heading, columns, empty in PANELS
    ]
    return render_template("admin/dashboard.html", counts=counts, total=sum(counts.values()), panels=panels)
