"""Clicks on related links: a daily chart (inline SVG), the most-followed links, and a CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, render_template, request

from admin.auth import require_editor
from admin.blueprint import bp
from articles.widget.click_days import Period, most_followed, per_day, rows_for_export
from service import db as database
from service.sites import Site

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 720, 180, 16


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


def chart_bars(days: list[tuple[date, int]]) -> tuple[list[Bar], int]:
    """One bar per day scaled to the busiest day (and that day's count, at least 1)."""
    peak = max([count for _, count in days] + [1])
    slot = CHART_WIDTH / max(len(days), 1)
    bars = []
    for i, (day, count) in enumerate(days):
        height = (CHART_HEIGHT - CHART_TOP) * count / peak
        bars.append(Bar(day, count, i * slot + slot * 0.15, CHART_HEIGHT - height, slot * 0.7, height))
    return bars, peak


def _period() -> Period:
    days = request.args.get("days", DEFAULT_DAYS, type=int)
    return Period.ending_today(days if days in PERIODS else DEFAULT_DAYS)


@bp.get("/<site>/clicks")
@require_editor()
def clicks(site: Site) -> Any:
    db = database.session()
    period = _period()
    days = per_day(db, site.id, period)
    bars, peak = chart_bars(days)
    return render_template(
        "admin/clicks.html",
        period=period,
        periods=PERIODS,
        total=sum(count for _, count in days),
        bars=bars,
        peak=peak,
        chart={"width": CHART_WIDTH, "height": CHART_HEIGHT},
        top=most_followed(db, site.id, period),
        counting=bool(site.setting("click_counting")),
    )


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/<site>/clicks.csv")
@require_editor()
def clicks_csv(site: Site) -> Response:
    period = _period()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["day", "from_id", "from_title", "to_id", "to_title", "clicks"])
    for day, from_id, from_title, to_id, to_title, count in rows_for_export(database.session(), site.id, period):
        writer.writerow([day.isoformat(), from_id, _cell(from_title), to_id, _cell(to_title), count])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    name = f"{site.slug}-clicks-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
