"""Importing a list of subscribers from a CSV file (a clinic moving from Mailchimp, listmonk, a spreadsheet).

The file has a header row; column names are matched ignoring case and spaces (``consent date`` = ``consent_date``):

- ``email`` (required);
- ``status``: ``subscribed`` (also ``confirmed``, ``active``), ``pending`` (``unconfirmed``), or an opt-out:
  ``unsubscribed``, ``bounced``, ``cleaned``, ``complained``; empty means ``subscribed``;
- ``consent_date`` (``consent_at``, ``optin_time``): when the person consented, an ISO 8601 date or date-time;
- ``consent_source``: where they consented (a form, an event), up to 100 characters;
- ``topics``: names of the site's reader topics, separated by ``;`` or ``|``.

A row is imported **confirmed** only when the file states consent: status ``subscribed`` and a consent date.
Any other subscribed or pending row is imported ``pending`` with a confirmation owed, which the existing
confirmation path sends (:mod:`newsletter.confirmations`, from the digest job). Opt-out rows add the address to
the site's suppressions, so it is never mailed. Addresses already subscribed are left as they are
(``existing``); an address given twice counts once (``duplicates``); suppressed addresses are skipped
(``suppressed``); rows with a bad address, date, status or topic are ``invalid`` with the reasons, by row number.
A dry run reports the same counts and writes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from newsletter.inputs import InvalidEmail, email_hash, normalise_email
from newsletter.models import ReaderTopic, Subscriber, Suppression, subscriber_topics
from service.sites import Site

COLUMN_ALIASES = {
    "email": "email",
    "email_address": "email",
    "status": "status",
    "consent_date": "consent_date",
    "consent_at": "consent_date",
    "optin_time": "consent_date",
    "consent_source": "consent_source",
    "source": "consent_source",
    "topics": "topics",
}
STATUS_WORDS = {
    "": "subscribed",
    "subscribed": "subscribed",
    "confirmed": "subscribed",
    "active": "subscribed",
    "pending": "pending",
    "unconfirmed": "pending",
    "unsubscribed": "opted_out",
    "bounced": "opted_out",
    "cleaned": "opted_out",
    "complained": "opted_out",
}
MAX_SOURCE = 100
MAX_TOPICS = 50
#: how many invalid rows the report lists (all are counted)
MAX_LISTED_INVALID = 100
#: rows written per statement and per progress step
CHUNK_ROWS = 1000
IMPORT_CONSENT_TEXT = "Imported from a subscriber list; consent as recorded by the clinic's previous system."
COUNTS = ("rows", "confirmed", "pending", "opted_out", "existing", "duplicates", "suppressed", "invalid")


class ImportFileError(ValueError):
    """The file cannot be read as a subscriber list at all (no header, no email column, not text)."""


def _column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@dataclass
class CsvRows:
    """The data rows of a file: (line number, {column: value}), and the header's columns that are not read."""

    rows: list[tuple[int, dict[str, str]]]
    ignored_columns: list[str]


def check_header(text: str) -> int:
    """Check the header row names an email column (:class:`ImportFileError` otherwise) and return about how many
    data rows follow: the lines after the header, cheap enough for a request (quoted line breaks count extra)."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        header = next(csv.reader([first_line]), [])
    except csv.Error as exc:
        raise ImportFileError(f"The header row is not valid CSV: {exc}.") from None
    if not any(name.strip() for name in header):
        raise ImportFileError("The file is empty: it needs a header row naming an email column.")
    if "email" not in {COLUMN_ALIASES.get(_column_key(name)) for name in header}:
        raise ImportFileError("The header row has no email column.")
    return max(0, len(text.strip().splitlines()) - 1)


def read_csv(text: str) -> CsvRows:
    """Every data row of ``text``; raises :class:`ImportFileError` when there is no header with an email column."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty: it needs a header row naming an email column.") from None
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}.") from None
    columns = [COLUMN_ALIASES.get(_column_key(name)) for name in header]
    if "email" not in columns:
        raise ImportFileError("The header row has no email column.")
    ignored = [name for name, column in zip(header, columns, strict=True) if column is None and name.strip()]
    rows = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            row = {col: values[i].strip() for i, col in enumerate(columns) if col is not None and i < len(values)}
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportFileError(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    return CsvRows(rows, ignored)


def _consent_date(raw: str, now: datetime) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise ValueError("must be an ISO 8601 date or date-time, e.g. 2024-03-01") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value > now:
        raise ValueError("is in the future")
    return value


def _date_only(raw: str) -> datetime | None:
    try:
        return datetime.combine(datetime.strptime(raw, "%Y-%m-%d").date(), time(), UTC)
    except ValueError:
        return None


@dataclass
class Report:
    """Counts by outcome, and the first invalid rows with their reasons."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    invalid_rows: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def invalid(self, line: int, reasons: dict[str, str]) -> None:
        self.counts["invalid"] += 1
        if len(self.invalid_rows) < MAX_LISTED_INVALID:
            self.invalid_rows.append({"row": line, "reasons": reasons})

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": {**self.counts, "ok": self.counts["confirmed"] + self.counts["pending"]},
            "invalid_rows": self.invalid_rows,
            "ignored_columns": self.ignored_columns,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Report:
        report = cls()
        if data:
            report.counts.update({k: v for k, v in data.get("counts", {}).items() if k in COUNTS})
            report.invalid_rows = list(data.get("invalid_rows", []))
            report.ignored_columns = list(data.get("ignored_columns", []))
        return report


@dataclass
class _Row:
    email: str
    hash: str
    kind: str  # subscribed, pending, opted_out
    consent_at: datetime | None
    source: str
    topic_ids: list[int]


class Importer:
    """Imports rows into one site; keeps what it has seen, so that an address given twice counts once."""

    def __init__(self, db: Session, site: Site, now: datetime, dry_run: bool, report: Report | None = None):
        self.db, self.site, self.now, self.dry_run = db, site, now, dry_run
        self.report = report or Report()
        self.existing = set(db.scalars(select(Subscriber.email_hash).where(Subscriber.site_id == site.id)))
        self.suppressed = set(db.scalars(select(Suppression.email_hash).where(Suppression.site_id == site.id)))
        self.topics = {
            topic.name_key: topic.id for topic in db.scalars(select(ReaderTopic).where(ReaderTopic.site_id == site.id))
        }
        self.seen: set[str] = set()

    def _parse(self, line: int, raw: dict[str, str]) -> _Row | None:
        reasons: dict[str, str] = {}
        email = address_hash = ""
        try:
            email = normalise_email(raw.get("email", ""))
            address_hash = email_hash(email)
        except InvalidEmail as exc:
            reasons["email"] = str(exc)
        kind = STATUS_WORDS.get(raw.get("status", "").lower())
        if kind is None:
            reasons["status"] = "must be subscribed, pending, unsubscribed, bounced, cleaned or complained"
        consent_at = None
        try:
            consent_at = _date_only(raw.get("consent_date", "")) or _consent_date(raw.get("consent_date", ""), self.now)
        except ValueError as exc:
            reasons["consent_date"] = str(exc)
        source = raw.get("consent_source", "")
        if len(source) > MAX_SOURCE:
            reasons["consent_source"] = f"must be at most {MAX_SOURCE} characters"
        names = [name.strip() for name in re.split(r"[;|]", raw.get("topics", "")) if name.strip()]
        unknown = [name for name in names if name.casefold() not in self.topics]
        if unknown:
            reasons["topics"] = "not a reader topic of this site: " + ", ".join(unknown[:5])
        elif len(names) > MAX_TOPICS:
            reasons["topics"] = f"at most {MAX_TOPICS} topics"
        if reasons:
            self.report.invalid(line, reasons)
            return None
        topic_ids = sorted({self.topics[name.casefold()] for name in names})
        return _Row(email, address_hash, kind or "pending", consent_at, source, topic_ids)

    def _classify(self, row: _Row) -> str:
        if row.hash in self.seen:
            return "duplicates"
        self.seen.add(row.hash)
        if row.hash in self.suppressed:
            return "suppressed"
        if row.kind == "opted_out":
            return "opted_out"
        if row.hash in self.existing:
            return "existing"
        return "confirmed" if row.kind == "subscribed" and row.consent_at is not None else "pending"

    def add_rows(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """Import one chunk of rows (one INSERT of subscribers, one of their topics); the caller commits."""
        new: list[tuple[_Row, str]] = []
        opted_out: list[str] = []
        for line, raw in rows:
            self.report.counts["rows"] += 1
            row = self._parse(line, raw)
            if row is None:
                continue
            outcome = self._classify(row)
            self.report.counts[outcome] += 1
            if outcome in ("confirmed", "pending"):
                new.append((row, outcome))
            elif outcome == "opted_out":
                opted_out.append(row.hash)
        if self.dry_run:
            return
        self._write(new, opted_out)

    def _write(self, new: list[tuple[_Row, str]], opted_out: list[str]) -> None:
        if opted_out:
            self.db.execute(  # an opt-out of an address already here stops its mail too
                update(Subscriber)
                .where(
                    Subscriber.site_id == self.site.id,
                    Subscriber.email_hash.in_(opted_out),
                    Subscriber.status.in_(("pending", "confirmed")),
                )
                .values(status="unsubscribed", unsubscribed_at=self.now, confirm_due_at=None)
                .execution_options(synchronize_session=False)
            )
            self.db.execute(
                insert(cast(Table, Suppression.__table__)),
                [
                    {"site_id": self.site.id, "email_hash": h, "reason": "import", "created_at": self.now}
                    for h in opted_out
                ],
            )
            self.suppressed.update(opted_out)
        if not new:
            return
        values = [self._values(row, outcome) for row, outcome in new]
        table = cast(Table, Subscriber.__table__)  # Core, not the ORM's bulk path: one multi-row INSERT per batch
        created = self.db.execute(insert(table).returning(table.c.id, table.c.email_hash), values).all()
        ids = {address_hash: subscriber_id for subscriber_id, address_hash in created}
        links = [{"subscriber_id": ids[row.hash], "topic_id": topic_id} for row, _ in new for topic_id in row.topic_ids]
        if links:
            self.db.execute(insert(subscriber_topics), links)
        self.existing.update(ids)

    def _values(self, row: _Row, outcome: str) -> dict[str, Any]:
        confirmed = outcome == "confirmed"
        return {
            "site_id": self.site.id,
            "email": row.email,
            "email_hash": row.hash,
            "status": "confirmed" if confirmed else "pending",
            "created_at": self.now,
            "requested_at": self.now,
            "confirmed_at": row.consent_at if confirmed else None,
            "confirm_sent_at": None if confirmed else self.now,
            "confirm_due_at": None if confirmed else self.now,
            "consent_at": row.consent_at or self.now,
            "consent_source": ("import: " + row.source if row.source else "import")[:MAX_SOURCE],
            "consent_text": IMPORT_CONSENT_TEXT,
            "bounce_count": 0,
        }


def chunks(rows: list[tuple[int, dict[str, str]]], start: int = 0) -> Iterator[list[tuple[int, dict[str, str]]]]:
    for offset in range(start, len(rows), CHUNK_ROWS):
        yield rows[offset : offset + CHUNK_ROWS]


def import_csv(
    db: Session,
    site: Site,
    text: str,
    now: datetime,
    dry_run: bool,
    progress: Callable[[int, Report], None] | None = None,
    start: int = 0,
    report: Report | None = None,
) -> Report:
    """Import (or, ``dry_run``, check) a whole file from row ``start``; ``progress(rows_done, report)`` runs after
    each chunk (the job commits there). Raises :class:`ImportFileError` for an unreadable file."""
    parsed = read_csv(text)
    importer = Importer(db, site, now, dry_run, report)
    importer.report.ignored_columns = parsed.ignored_columns
    done = start
    for chunk in chunks(parsed.rows, start):
        importer.add_rows(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, importer.report)
    return importer.report


def count_rows(text: str) -> int:
    """How many data rows the file has (0 when it cannot be read)."""
    try:
        return len(read_csv(text).rows)
    except ImportFileError:
        return 0
