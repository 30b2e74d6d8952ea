"""Related-link clicks per day (UTC): the table behind the clicks page, its chart and its CSV export.

``related_clicks`` keeps the running total per pair; ``related_click_days`` adds one row per pair and day,
so editors can see when links were followed and compare periods. Both are written in the same statement
group by ``clicks.record_click``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from articles.models import Article
from service.db import Base, utcnow


class RelatedClickDay(Base):
    """How often readers followed the related link ``from_id`` → ``to_id`` on one UTC ``day``."""

    __tablename__ = "related_click_days"
    __table_args__ = (Index("ix_related_click_days_site_day", "site_id", "day"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    from_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


def add_click(db: Session, site_id: int, from_id: int, to_id: int) -> None:
    """One more click on today's row of the pair (created on the first). Does not commit."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(RelatedClickDay).values(
        site_id=site_id, from_id=from_id, to_id=to_id, day=utcnow().date(), count=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[RelatedClickDay.from_id, RelatedClickDay.to_id, RelatedClickDay.day],
        set_={"count": RelatedClickDay.count + 1},
    )
    db.execute(statement)


@dataclass(frozen=True)
class Period:
    """The last ``days`` days up to and including ``last`` (UTC)."""

    days: int
    last: date

    @property
    def first(self) -> date:
        return self.last - timedelta(days=self.days - 1)

    @classmethod
    def ending_today(cls, days: int) -> Period:
        return cls(days, utcnow().date())


def per_day(db: Session, site_id: int, period: Period) -> list[tuple[date, int]]:
    """Clicks on each day of the period, days without clicks included (as 0), oldest first."""
    rows = db.execute(
        select(RelatedClickDay.day, func.sum(RelatedClickDay.count))
        .where(RelatedClickDay.site_id == site_id, RelatedClickDay.day.between(period.first, period.last))
        .group_by(RelatedClickDay.day)
    ).all()
    counts = {day: int(total) for day, total in rows}
    return [(day, counts.get(day, 0)) for day in (period.first + timedelta(days=i) for i in range(period.days))]


def most_followed(db: Session, site_id: int, period: Period, limit: int = 20) -> list[dict[str, Any]]:
    """The pairs followed most often in the period, most clicks first."""
    source, target = aliased(Article), aliased(Article)
    total = func.sum(RelatedClickDay.count).label("total")
    rows = db.execute(
        select(source.id, source.title, target.id.label("to_id"), target.title.label("to_title"), total)
        .select_from(RelatedClickDay)
        .join(source, source.id == RelatedClickDay.from_id)
        .join(target, target.id == RelatedClickDay.to_id)
        .where(RelatedClickDay.site_id == site_id, RelatedClickDay.day.between(period.first, period.last))
        .group_by(source.id, source.title, target.id, target.title)
        .order_by(total.desc(), source.id, target.id)
        .limit(limit)
    ).all()
    return [
        {"from": {"id": r.id, "title": r.title}, "to": {"id": r.to_id, "title": r.to_title}, "count": int(r.total)}
        for r in rows
    ]


def rows_for_export(db: Session, site_id: int, period: Period) -> list[tuple[Any, ...]]:
    """(day, from id, from title, to id, to title, clicks) for every pair and day with clicks, by day."""
    source, target = aliased(Article), aliased(Article)
    return [
        tuple(row)
        for row in db.execute(
            select(
                RelatedClickDay.day,
                source.id,
                source.title,
                target.id,
                target.title,
                RelatedClickDay.count,
            )
            .join(source, source.id == RelatedClickDay.from_id)
            .join(target, target.id == RelatedClickDay.to_id)
            .where(RelatedClickDay.site_id == site_id, RelatedClickDay.day.between(period.first, period.last))
            .order_by(RelatedClickDay.day, RelatedClickDay.count.desc(), source.id, target.id)
        )
    ]


def link_counts(db: Session, site_id: int, from_id: int, period: Period) -> dict[int, int]:
    """Clicks in the period on each related link of article ``from_id``, by target id."""
    rows = db.execute(
        select(RelatedClickDay.to_id, func.sum(RelatedClickDay.count))
        .where(
            RelatedClickDay.site_id == site_id,
            RelatedClickDay.from_id == from_id,
            RelatedClickDay.day.between(period.first, period.last),
        )
        .group_by(RelatedClickDay.to_id)
    ).all()
    return {to_id: int(total) for to_id, total in rows}
