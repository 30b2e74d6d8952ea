"""Subscribers as data: the filtered list the API and admin pages share, JSON, and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import exists, or_, select
from sqlalchemy.sql import Select

from newsletter.models import Interest, ReaderTopic, Subscriber, subscriber_topics
from service import db as database
from service.dates import iso

CSV_COLUMNS = (
    "id",
    "email",
    "status",
    "frequency",
    "weekday",
    "hour",
    "time_zone",
    "paused",
    "topics",
    "interest_text",
    "created_at",
    "confirmed_at",
    "unsubscribed_at",
    "consent_at",
    "consent_source",
    "consent_ip",
    "bounce_count",
    "last_digest_at",
    "reading_history",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def subscriber_json(s: Subscriber) -> dict[str, Any]:
    return {
        "id": s.id,
        "email": s.email,
        "status": s.status,
        "frequency": s.frequency,
        "weekday": s.weekday,
        "hour": s.hour,
        "time_zone": s.time_zone,
        "paused": s.paused,
        "topics": s.topics,
        "interest_text": s.interest_text,
        "created_at": iso(s.created_at),
        "confirmed_at": iso(s.confirmed_at),
        "unsubscribed_at": iso(s.unsubscribed_at),
        "bounce_count": s.bounce_count,
        "last_digest_at": iso(s.last_digest_at),
        "reading_history": s.reading_history,
        "consent": {"at": iso(s.consent_at), "source": s.consent_source, "ip": s.consent_ip, "text": s.consent_text},
    }


def filtered_query(
    site_id: int, status: str | None = None, frequency: str | None = None, interest: str | None = None
) -> Select[tuple[Subscriber]]:
    """The site's subscribers with these filters, oldest first (the order CSV export and pages rely on)."""
    query = select(Subscriber).where(Subscriber.site_id == site_id)
    if status:
        query = query.where(Subscriber.status == status)
    if frequency:
        query = query.where(Subscriber.frequency == frequency)
    if interest:  # a reader topic's name (any case) or a legacy category/tag interest
        follows_topic = (
            exists()
            .where(subscriber_topics.c.subscriber_id == Subscriber.id)
            .where(ReaderTopic.id == subscriber_topics.c.topic_id, ReaderTopic.name_key == interest.casefold())
        )
        has_label = exists().where(Interest.subscriber_id == Subscriber.id, Interest.topic == interest)
        query = query.where(or_(follows_topic, has_label))
    return query.order_by(Subscriber.id)


def _safe_cell(value: Any) -> str:
    """A CSV cell that spreadsheets show as text (no formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_row(s: Subscriber) -> list[str]:
    data = subscriber_json(s)
    data.update(
        topics="; ".join(s.topics),
        consent_at=data["consent"]["at"],
        consent_source=data["consent"]["source"],
        consent_ip=data["consent"]["ip"],
    )
    return [_safe_cell(data[column]) for column in CSV_COLUMNS]


def csv_response(query: Select[tuple[Subscriber]], filename: str) -> Response:
    """Stream the subscribers ``query`` selects (ordered by id) as a CSV download (the API and the admin pages)."""
    database.session().close()  # the request's transaction must not stay open while the stream runs

    def rows() -> Iterator[str]:
        """Batches of 500 rows; the generator owns its session so it is closed however the stream ends."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        last_id = 0
        with database.new_session() as db:
            while True:
                batch = list(db.scalars(query.where(Subscriber.id > last_id).limit(500)))
                for subscriber in batch:
                    writer.writerow(_csv_row(subscriber))
                db.rollback()  # end the read transaction between batches
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                if len(batch) < 500:
                    return
                last_id = batch[-1].id

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
