"""Read-only queries behind the feeds, subscribers and digests pages (writes go through the domain modules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from articles.feeds.models import FeedPoll, FeedSource
from jobs.models import JobRun, last_runs, stored_next_run_times
from jobs.registry import JobSpec, declared_specs, find_spec
from newsletter.digests.ledger import DigestRun
from newsletter.export import filtered_query
from newsletter.models import Subscriber
from service.sites import Site

T = TypeVar("T")
PAGE_SIZE = 25
DIGEST_JOB = "send_due_digests"


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    pages: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def subscriber_query(site: Site, status: str = "", email: str = "", exact: bool = False) -> Any:
    """The site's subscribers (oldest first) with a status filter and an email search (exact or prefix).

    Built on ``newsletter.export.filtered_query`` (as the API is), so the page and its CSV export select the same rows.
    """
    query = filtered_query(site.id, status or None)
    email = email.strip().lower()
    if email and exact:
        query = query.where(Subscriber.email == email)
    elif email:
        query = query.where(Subscriber.email.like(f"{_escape_like(email)}%", escape="\\"))
    return query


def subscriber_page(db: Session, query: Any, page: int, page_size: int = PAGE_SIZE) -> Page[Subscriber]:
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    return Page(list(db.scalars(query.offset((page - 1) * page_size).limit(page_size))), total, page, pages)


def site_subscriber(db: Session, site: Site, subscriber_id: int) -> Subscriber | None:
    subscriber = db.get(Subscriber, subscriber_id)
    return subscriber if subscriber is not None and subscriber.site_id == site.id else None


def subscriber_by_email(db: Session, site: Site, email: str) -> Subscriber | None:
    return db.scalar(select(Subscriber).where(Subscriber.site_id == site.id, Subscriber.email == email.strip().lower()))


def recent_polls(db: Session, feed: FeedSource, limit: int = 10) -> list[FeedPoll]:
    return list(
        db.scalars(select(FeedPoll).where(FeedPoll.feed_id == feed.id).order_by(FeedPoll.id.desc()).limit(limit))
    )


def digest_runs(db: Session, site: Site, limit: int = 20) -> list[DigestRun]:
    return list(
        db.scalars(
            select(DigestRun)
            .where(DigestRun.site_id == site.id)
            .order_by(DigestRun.started_at.desc(), DigestRun.id.desc())
            .limit(limit)
        )
    )


@dataclass
class JobState:
    """What the digests page says about the sending job. The run's summary and error are not shown:
    they cover every site."""

    spec: JobSpec | None
    next_run: datetime | None
    paused: bool
    last: JobRun | None


def digest_job_state(db: Session, now: datetime) -> JobState:
    """The ``send_due_digests`` job: its next run (the job store's, else computed from its trigger), last run."""
    spec = find_spec(DIGEST_JOB, declared_specs())
    if spec is None:
        return JobState(None, None, False, None)
    stored = stored_next_run_times(db)
    last = last_runs(db, [DIGEST_JOB]).get(DIGEST_JOB)
    if DIGEST_JOB in stored:
        moment = stored[DIGEST_JOB]
        next_run = datetime.fromtimestamp(moment, UTC) if moment is not None else None
        return JobState(spec, next_run, moment is None, last)
    return JobState(spec, spec.build_trigger().get_next_fire_time(None, now), False, last)
