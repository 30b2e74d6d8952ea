"""Running subscriber imports: small files in the request, larger ones queued for the ``import_subscribers`` job.

A request never imports more than :data:`INLINE_ROWS` rows itself; a larger file is stored as a ``queued``
:class:`SubscriberImport` and answered at once. The job claims queued imports one at a time (an atomic status
change, so two job runs never take the same one), commits progress after every chunk, and takes over an import
whose run has been silent for :data:`STALE_AFTER` (its process died), resuming after the rows already done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from newsletter.import_models import SubscriberImport
from newsletter.subscriber_import import ImportFileError, Report, check_header, count_rows, import_csv, read_csv
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site

log = logging.getLogger(__name__)

#: the most rows a request imports itself; larger files are queued
INLINE_ROWS = 1000
STALE_AFTER = timedelta(minutes=10)


def import_json(record: SubscriberImport) -> dict[str, Any]:
    """An import as the API and the admin page show it (never the file's contents)."""
    return {
        "id": record.id,
        "status": record.status,
        "dry_run": record.dry_run,
        "rows_total": record.rows_total,
        "rows_done": record.rows_done,
        "report": record.report,
        "error": record.error,
        "created_at": record.created_at.isoformat() if record.created_at else None,
        "finished_at": record.finished_at.isoformat() if record.finished_at else None,
    }


def start_import(
    db: Session, site: Site, text: str, dry_run: bool, now: datetime, requested_by: str = "api"
) -> SubscriberImport:
    """Check the file's header, then import it now (small) or queue it (large). The caller commits.
    A file without an email column is a 422 and stores nothing."""
    try:
        rows = check_header(text)  # lines after the header: cheap, bounded by MAX_BODY_BYTES
        if rows <= INLINE_ROWS:
            rows = len(read_csv(text).rows)
    except ImportFileError as exc:
        raise ApiError(422, "invalid_file", str(exc)) from None
    record = SubscriberImport(
        site_id=site.id, dry_run=dry_run, rows_total=rows, requested_by=requested_by, created_at=now, updated_at=now
    )
    if rows > INLINE_ROWS:
        record.status, record.csv_text = "queued", text
        db.add(record)
        db.flush()
        log.info("subscriber import %s of site %s queued (%d rows)", record.id, site.slug, rows)
        return record
    report = import_csv(db, site, text, now, dry_run)
    record.status, record.rows_done, record.report = "done", rows, report.as_json()
    record.started_at = record.finished_at = now
    db.add(record)
    db.flush()
    return record


def get_import(db: Session, site: Site, import_id: int) -> SubscriberImport:
    record = db.get(SubscriberImport, import_id)
    if record is None or record.site_id != site.id:
        raise ApiError(404, "unknown_import", f"No import {import_id}.")
    return record


def _claim(db: Session, now: datetime) -> SubscriberImport | None:
    candidate = db.execute(
        select(SubscriberImport.id, SubscriberImport.status, SubscriberImport.updated_at)
        .where(
            or_(
                SubscriberImport.status == "queued",
                (SubscriberImport.status == "running") & (SubscriberImport.updated_at < now - STALE_AFTER),
            )
        )
        .order_by(SubscriberImport.id)
        .limit(1)
    ).first()
    if candidate is None:
        return None
    claimed = db.execute(
        update(SubscriberImport)
        .where(
            SubscriberImport.id == candidate.id,
            SubscriberImport.status == candidate.status,
            SubscriberImport.updated_at == candidate.updated_at,
        )
        .values(status="running", updated_at=now, started_at=now)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    return db.get(SubscriberImport, candidate.id, populate_existing=True)


def _run(db: Session, record: SubscriberImport, now: datetime) -> None:
    site = db.get(Site, record.site_id)
    if site is None or record.csv_text is None:
        record.status, record.error = "failed", "The site or the file is gone."
        return

    if record.rows_done == 0:
        record.rows_total = count_rows(record.csv_text)  # the request counted lines, not CSV records
        db.commit()

    def progress(done: int, report: Report) -> None:
        record.rows_done, record.report, record.updated_at = done, report.as_json(), utcnow()
        db.commit()

    report = import_csv(
        db,
        site,
        record.csv_text,
        now,
        record.dry_run,
        progress,
        start=record.rows_done,
        report=Report.from_json(record.report),
    )
    record.status, record.report, record.finished_at, record.csv_text = "done", report.as_json(), now, None


def run_queued_imports(db: Session, now: datetime, config: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Work through every queued import (one at a time); returns how many finished and failed."""
    finished = failed = 0
    while (record := _claim(db, now)) is not None:
        try:
            _run(db, record, now)
        except Exception as exc:  # recorded on the import for the editor to see; the next import still runs
            db.rollback()
            record = db.get(SubscriberImport, record.id, populate_existing=True) or record
            record.status, record.error, record.csv_text = "failed", str(exc)[:500], None
            log.exception("subscriber import %s failed", record.id)
        record.finished_at = now
        db.commit()
        finished += record.status == "done"
        failed += record.status == "failed"
    return {"finished": finished, "failed": failed}


__all__ = ["INLINE_ROWS", "count_rows", "get_import", "import_json", "run_queued_imports", "start_import"]
