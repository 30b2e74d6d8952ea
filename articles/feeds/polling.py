"""Polling feeds: fetch → parse → ingest, one feed per transaction, every poll recorded.

``poll_feed`` is the unit: it fetches with the stored validators (ETag/Last-Modified), writes what
the feed says, updates the source's status and back-off, records a ``FeedPoll`` and commits. Any
exception while writing one feed is caught at the feed boundary: its transaction is rolled back and
the error (exception class and message) is recorded on the source, so one bad feed never stops the
others. ``poll_due_feeds`` is what the scheduler's ``poll_feeds`` job calls every minute.

Back-off: after *n* consecutive failures the next poll is ``interval * 2**n`` minutes away, at most
24 hours. A 304 (not modified) counts as a success and does no other work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from articles.feeds.addresses import Networks, is_refused_host
from articles.feeds.fetch import DEFAULT_USER_AGENT, FetchResult, fetch_feed
from articles.feeds.ingest import IngestCounts, ingest_feed, strip_nul
from articles.feeds.models import FeedPoll, FeedSource
from articles.feeds.sources import allowed_networks, check_feed_url, next_poll_time
from service.metrics import FEED_POLLS
from service.sites import Site

log = logging.getLogger(__name__)

#: how long a feed taken by one polling run stays out of the others' way (longer than any fetch)
CLAIM_LEASE = timedelta(minutes=10)
POLLS_KEPT = 100


@dataclass(frozen=True)
class PollConfig:
    timeout: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    user_agent: str = DEFAULT_USER_AGENT
    allow_private: bool = False
    per_run: int = 50
    allowed_networks: Networks = ()

    @classmethod
    def from_app_config(cls, config: Mapping[str, Any]) -> PollConfig:
        return cls(
            timeout=float(config.get("FEEDS_FETCH_TIMEOUT", 10.0)),
            max_bytes=int(config.get("FEEDS_MAX_BYTES", 5 * 1024 * 1024)),
            allow_private=bool(config.get("FEEDS_ALLOW_PRIVATE_HOSTS", False)),
            per_run=int(config.get("FEEDS_PER_RUN", 50)),
            allowed_networks=allowed_networks(config),
        )


def _config(config: PollConfig | Mapping[str, Any]) -> PollConfig:
    return config if isinstance(config, PollConfig) else PollConfig.from_app_config(config)


def _refused(url: str, config: PollConfig) -> bool:
    return not config.allow_private and is_refused_host(urlsplit(url).hostname or "", config.allowed_networks)


def _fetch(feed: FeedSource, config: PollConfig) -> FetchResult:
    """Fetch with the stored validators; a private address (stored earlier, resolved from the name, or
    redirected to) is an error, found before anything is sent to it (see ``fetch_feed``)."""
    if _refused(feed.url, config):
        return FetchResult(
            status="error",
            http_status=None,
            content=None,
            final_url=feed.url,
            error="refused: the host is localhost or a private, loopback or link-local address",
        )
    result = fetch_feed(
        feed.url,
        etag=feed.etag,
        last_modified=feed.last_modified,
        timeout=config.timeout,
        max_bytes=config.max_bytes,
        user_agent=config.user_agent,
        allow_private=config.allow_private,
        allowed_networks=config.allowed_networks,
    )
    if _refused(result.final_url, config):
        return FetchResult(
            status="error",
            http_status=result.http_status,
            content=None,
            final_url=result.final_url,
            error="refused: redirected to localhost or a private, loopback or link-local address",
        )
    return result


def _new_url(db: Session, feed: FeedSource, result: FetchResult, config: PollConfig) -> tuple[str | None, str | None]:
    """(the URL to store after a permanent redirect, a warning when it cannot be stored)."""
    if not result.permanent_redirect_url:
        return None, None
    try:
        url = check_feed_url(
            result.permanent_redirect_url,
            allow_private=config.allow_private,
            allowed_networks=config.allowed_networks,
        )
    except ValueError as exc:
        return None, f"permanent redirect not stored: {exc}"
    if url == feed.url:
        return None, None
    taken = db.scalar(
        select(FeedSource.id).where(FeedSource.site_id == feed.site_id, FeedSource.url == url, FeedSource.id != feed.id)
    )
    if taken is not None:
        return None, f"moved permanently to {url}, which feed {taken} already imports"
    return url, None


def _finish(db: Session, feed: FeedSource, poll: FeedPoll, now: datetime, elapsed: float) -> FeedPoll:
    """Copy the poll's outcome onto the source (status, back-off), store the poll and commit."""
    poll.finished_at = now + timedelta(seconds=elapsed)
    poll.error, poll.warning = strip_nul(poll.error), strip_nul(poll.warning)
    feed.last_polled_at = now
    feed.last_status = poll.outcome
    feed.last_http_status = poll.http_status
    if poll.outcome == "error":
        feed.consecutive_failures = (feed.consecutive_failures or 0) + 1
        feed.last_error = poll.error
    else:
        feed.consecutive_failures = 0
        feed.last_error = None
    if poll.outcome == "ok":
        feed.last_warning = poll.warning
        feed.last_counts = {
            "seen": poll.entries_seen,
            "created": poll.created,
            "updated": poll.updated,
            "unchanged": poll.unchanged,
            "skipped_edited": poll.skipped_edited,
            "rejected": poll.rejected,
        }
    feed.next_poll_at = next_poll_time(now, feed.interval_minutes, feed.consecutive_failures)
    db.add(poll)
    db.flush()
    _prune_polls(db, feed.id)
    db.commit()
    FEED_POLLS.labels(poll.outcome).inc()
    if poll.outcome == "error":
        log.warning(
            "feed %s (%s): %s; failure %d, next poll %s",
            feed.id,
            feed.url,
            poll.error,
            feed.consecutive_failures,
            feed.next_poll_at.isoformat(),
        )
    else:
        log.info(
            "feed %s (%s): %s, %d seen, %d created, %d updated, %d unchanged, %d skipped, %d rejected",
            feed.id,
            feed.url,
            poll.outcome,
            poll.entries_seen,
            poll.created,
            poll.updated,
            poll.unchanged,
            poll.skipped_edited,
            poll.rejected,
        )
    return poll


def _prune_polls(db: Session, feed_id: int) -> None:
    """Keep the latest ``POLLS_KEPT`` records of a feed."""
    cutoff = db.scalar(
        select(FeedPoll.id).where(FeedPoll.feed_id == feed_id).order_by(FeedPoll.id.desc()).offset(POLLS_KEPT).limit(1)
    )
    if cutoff is not None:
        db.execute(delete(FeedPoll).where(FeedPoll.feed_id == feed_id, FeedPoll.id <= cutoff))


def _apply(
    db: Session, feed: FeedSource, poll: FeedPoll, result: FetchResult, now: datetime, config: PollConfig
) -> None:
    """The feed's work inside its transaction: ingest the entries, keep validators and a moved URL."""
    new_url, url_warning = _new_url(db, feed, result, config)
    if result.status == "not_modified":
        poll.outcome = "not_modified"
    else:
        site = db.get(Site, feed.site_id)
        assert result.content is not None and site is not None
        parsed, counts = ingest_feed(
            db, site, result.content, base_url=result.final_url, content_type=result.content_type, fetched_at=now
        )
        if parsed.error:
            poll.outcome, poll.error = "error", parsed.error
            return
        _count(poll, counts)
        poll.outcome, poll.warning = "ok", parsed.warning
        if parsed.title and not feed.title:
            feed.title = strip_nul(parsed.title)[:300]
    poll.warning = "; ".join(w for w in (poll.warning, url_warning) if w) or None
    feed.etag = (result.etag or None) and result.etag[:500]
    feed.last_modified = (result.last_modified or None) and result.last_modified[:100]
    if new_url:
        log.info("feed %s moved permanently: %s -> %s", feed.id, feed.url, new_url)
        feed.url = new_url


def _count(poll: FeedPoll, counts: IngestCounts) -> None:
    poll.entries_seen, poll.created, poll.updated = counts.seen, counts.created, counts.updated
    poll.unchanged, poll.skipped_edited, poll.rejected = counts.unchanged, counts.skipped_edited, counts.rejected
    poll.rejections = counts.rejections


def _blank_poll(feed: FeedSource, now: datetime, result: FetchResult) -> FeedPoll:
    return FeedPoll(
        feed_id=feed.id,
        site_id=feed.site_id,
        started_at=now,
        finished_at=now,
        http_status=result.http_status,
        outcome="error",
        entries_seen=0,
        created=0,
        updated=0,
        unchanged=0,
        skipped_edited=0,
        rejected=0,
        rejections=[],
        error=result.error,
    )


def poll_feed(db: Session, source: FeedSource, now: datetime, config: PollConfig | Mapping[str, Any]) -> FeedPoll:
    """Poll one feed now and commit: the articles it wrote, its new status, and the poll record.

    The session's open transaction is committed first, so no transaction is held while fetching.
    ``config`` is a ``PollConfig`` or the app's settings.
    """
    config = _config(config)
    feed_id = source.id
    db.commit()
    started = time.monotonic()
    result = _fetch(source, config)
    poll = _blank_poll(source, now, result)
    if result.status == "error":
        return _finish(db, source, poll, now, time.monotonic() - started)
    try:
        _apply(db, source, poll, result, now, config)
    except Exception as exc:  # the feed boundary: roll back this feed, record why, carry on
        db.rollback()
        log.exception("feed %s: import failed", feed_id)
        source = db.get(FeedSource, feed_id)  # type: ignore[assignment]
        poll = _blank_poll(source, now, result)
        poll.error = f"import failed: {type(exc).__name__}: {exc}"[:2000]
    return _finish(db, source, poll, now, time.monotonic() - started)


def _claim(db: Session, feed_id: int, due_at: datetime, now: datetime) -> bool:
    """Take a due feed for this run (another run polling at the same time then skips it)."""
    lease = (
        update(FeedSource)
        .where(FeedSource.id == feed_id, FeedSource.next_poll_at == due_at)
        .values(next_poll_at=now + CLAIM_LEASE)
    )
    # Session.execute is typed as returning a Result; an UPDATE's is a CursorResult, which has the rowcount.
    claimed = cast(CursorResult[Any], db.execute(lease))
    db.commit()
    return claimed.rowcount == 1


def due_feeds(db: Session, now: datetime, limit: int, site: Site | None = None) -> list[tuple[int, datetime]]:
    """(id, next_poll_at) of the non-paused feeds due at ``now``, the longest waiting first."""
    query = select(FeedSource.id, FeedSource.next_poll_at).where(
        FeedSource.paused.is_(False), FeedSource.next_poll_at <= now
    )
    if site is not None:
        query = query.where(FeedSource.site_id == site.id)
    return [(i, at) for i, at in db.execute(query.order_by(FeedSource.next_poll_at, FeedSource.id).limit(limit))]


def poll_due_feeds(
    db: Session, now: datetime, app_config: Mapping[str, Any] | PollConfig, site: Site | None = None
) -> dict[str, int]:
    """Poll every due feed (at most ``FEEDS_PER_RUN``), each in its own transaction; returns counts."""
    config = _config(app_config)
    totals = {
        "due": 0,
        "polled": 0,
        "ok": 0,
        "not_modified": 0,
        "error": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped_edited": 0,
        "rejected": 0,
    }
    due = due_feeds(db, now, config.per_run, site)
    totals["due"] = len(due)
    for feed_id, due_at in due:
        try:
            if not _claim(db, feed_id, due_at, now):
                continue
            poll = poll_feed(db, db.get(FeedSource, feed_id), now, config)  # type: ignore[arg-type]
        except Exception:  # recording the poll itself failed (database trouble): next feed
            db.rollback()
            log.exception("feed %s: poll could not be recorded", feed_id)
            totals["error"] += 1
            continue
        totals["polled"] += 1
        totals[poll.outcome] += 1
        for name in ("created", "updated", "unchanged", "skipped_edited", "rejected"):
            totals[name] += getattr(poll, name)
    if due:
        log.info("polled %d due feeds: %s", totals["polled"], totals)
    return totals
