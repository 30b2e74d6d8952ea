"""A subscriber import: the CSV as sent, whether it is a dry run, its progress and its report.

Small files are imported in the request and stored already ``done``; larger ones are stored ``queued`` and the
``import_subscribers`` job works through them in chunks, committing ``rows_done`` after each chunk (the progress
the API and the admin page show). The CSV (addresses, consent records, topics: personal and health data) is
deleted from the row when the import ends; the report keeps only counts and row numbers with reasons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow

IMPORT_STATUSES = ("queued", "running", "done", "failed")


class SubscriberImport(Base):
    __tablename__ = "subscriber_imports"
    __table_args__ = (Index("ix_subscriber_imports_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: the CSV text while the import waits or runs; None once it has ended
    csv_text: Mapped[str | None] = mapped_column(Text)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    #: who asked: ``api`` or ``admin:<editor id>``
    requested_by: Mapped[str] = mapped_column(String(40), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: last progress of the run; a ``running`` import silent for long is taken over by the next job run
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
