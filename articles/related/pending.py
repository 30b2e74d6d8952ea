"""Related work queued by writes, and the drainer that does it outside web requests.

A write stores its articles and adds a ``related_pending`` row per article in the same short transaction
(:func:`queue`); the database is the record of what is still to do, so a process that dies loses nothing.
The drainer (:func:`drain`, run by ``flask related work`` and by the ``drain_related`` scheduled job) takes
the rows site by site under the site's index lock, updates the index incrementally (the change log every
process replays), recomputes the lists the changed articles enter or leave, and deletes the rows it handled
in the same commit, one batch at a time. Refits (a batch too large for incremental updates, or an index
drifted by too many changes) happen only here.

Two drainers at once are safe: each batch first takes the site's index lock (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite a write that takes the single-writer lock first), so the second one waits for the first
to commit and then claims only rows still present (``SKIP LOCKED`` on PostgreSQL as well).

:func:`settle` is the one synchronous path a single-article write keeps: on a site of at most
:data:`SYNC_SITE_LIMIT` fitted articles, with no refit due, it does the article's incremental update in the
request (measured by ``benchmarks/bulk_write.py``) and answers ``current``; otherwise ``pending``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from articles.models import Article
from articles.related import index_cache, scheduled, stored_lists, updates
from articles.related.models import RelatedIndexState, RelatedPending
from service.sites import Site

log = logging.getLogger(__name__)

Status = Literal["current", "pending"]

#: articles handled per incremental batch (one commit each; on SQLite every other writer waits for it)
BATCH = 20
#: more pending articles than this on a site (up to LARGE_SITE fitted) are handled by one refit, as the
#: synchronous batch path did: cheaper than that many incremental updates, and it grows the vocabulary
REFIT_PENDING = 50
#: single-article writes on sites up to this many fitted articles update their lists in the request
SYNC_SITE_LIMIT = 2000


queue = updates.queue


def pending_among(db: Session, article_ids: Iterable[int]) -> set[int]:
    """Which of ``article_ids`` still wait for the drainer."""
    ids = list(set(article_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found |= set(db.scalars(select(RelatedPending.article_id).where(RelatedPending.article_id.in_(chunk))))
    return found


def status_of(db: Session, article_id: int) -> Status:
    return "pending" if pending_among(db, [article_id]) else "current"


def backlog(db: Session, site: Site | None = None) -> int:
    """How many pending rows wait (for one site, or for every site)."""
    query = select(func.count()).select_from(RelatedPending)
    if site is not None:
        query = query.where(RelatedPending.site_id == site.id)
    return int(db.scalar(query) or 0)


def _is_sqlite(db: Session) -> bool:
    return db.get_bind().dialect.name == "sqlite"


def _take_writer_lock(db: Session, site: Site) -> None:
    """On SQLite, begin the transaction with a write, so this process holds the one writer lock from the start
    (a drainer that read first and wrote later could act on rows another drainer already handled)."""
    if _is_sqlite(db):
        db.execute(
            update(RelatedIndexState)
            .where(RelatedIndexState.site_id == site.id)
            .values(changed_since_fit=RelatedIndexState.changed_since_fit)
        )


def _claim(db: Session, site: Site, article_ids: list[int] | None = None, limit: int | None = None) -> list[Any]:
    """Pending rows of the site (optionally of some articles), oldest first, locked for this transaction."""
    query = select(RelatedPending.id, RelatedPending.article_id).where(RelatedPending.site_id == site.id)
    if article_ids is not None:
        query = query.where(RelatedPending.article_id.in_(article_ids))
    query = query.order_by(RelatedPending.id)
    if limit is not None:
        query = query.limit(limit)
    if not _is_sqlite(db):
        query = query.with_for_update(skip_locked=True)
    return list(db.execute(query).all())


def _done(db: Session, rows: list[Any]) -> None:
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 5000):
        db.execute(delete(RelatedPending).where(RelatedPending.id.in_(ids[start : start + 5000])))


def _refit_due(state: RelatedIndexState | None, more: int) -> bool:
    """Whether ``more`` changes on top of those already applied call for a refit (as ``needs_refit`` decides)."""
    if state is None or state.refit_wanted or state.fitted_count < index_cache.SMALL_SITE:
        return True
    drifted = state.changed_since_fit + more > index_cache.REFIT_SHARE * state.fitted_count
    return state.fitted_count <= index_cache.LARGE_SITE and drifted


def _apply(db: Session, site: Site, locked: index_cache.LockedIndex, article_ids: list[int]) -> None:
    """Record the changes for every process's index and recompute the lists they touch."""
    for article_id in article_ids:
        locked.record_change(article_id)
    existing = list(db.scalars(select(Article.id).where(Article.id.in_(article_ids), Article.site_id == site.id)))
    updates.update_around(db, site, sorted(existing), locked)


def settle(db: Session, site: Site, article_ids: list[int]) -> Status:
    """A single write's cheap synchronous path: update these articles now when the site is small, else leave
    them to the drainer. Never refits a site of :data:`index_cache.SMALL_SITE` articles or more."""
    if not _is_sqlite(db):
        state = db.scalar(
            select(RelatedIndexState)
            .where(RelatedIndexState.site_id == site.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if state is None and db.get(RelatedIndexState, site.id) is not None:
            return "pending"  # a drainer holds the site's index: do not wait for it
    else:
        state = db.get(RelatedIndexState, site.id, populate_existing=True)
    published = state.fitted_count if state is not None else _published_count(db, site)
    if published > SYNC_SITE_LIMIT:
        return "pending"
    rows = _claim(db, site, article_ids)
    if not rows:
        return "current"
    ids = list(dict.fromkeys(row.article_id for row in rows))
    locked = index_cache.LockedIndex(db, site, state)
    if _refit_due(state, len(ids)):
        if published >= index_cache.SMALL_SITE:
            return "pending"
        updates.refit_site(db, site, locked)  # a fit of fewer than SMALL_SITE documents
    else:
        _apply(db, site, locked, ids)
    _done(db, rows)
    db.flush()
    return "current"


def _published_count(db: Session, site: Site) -> int:
    query = select(func.count()).where(Article.site_id == site.id, Article.status == "published")
    return int(db.scalar(query) or 0)


#: lists served per commit while a refit stores them on SQLite (where every commit holds the one writer lock)
SERVE_STEP = 100


def _refit_in_steps(db: Session, site: Site) -> int:
    """A refit on SQLite in short transactions, so other sites' writes never wait long for the writer lock:
    the index is fitted before the lock is taken (``fit_site_index`` without a lock) and stored in a commit of
    its own (the drainer keeps a private copy to work on), its raw neighbours are stored in one commit, the
    served lists in commits of :data:`SERVE_STEP`, and only then are the pending rows it covers (those queued
    before the fit read the articles) deleted. A drainer killed on the way leaves them
    queued, and the next one refits again."""
    covered = db.scalar(select(func.max(RelatedPending.id)).where(RelatedPending.site_id == site.id)) or 0
    db.commit()
    index = index_cache.fit_site_index(db, site, keep_private=True)
    scheduled.note_future(db, site.id)
    db.commit()  # the stored index and its state row: the all-pairs product below runs without the writer lock
    ids = list(db.scalars(select(Article.id).where(Article.site_id == site.id)))
    raw: dict[int, list[tuple[int, float]]] = {i: [] for i in ids}
    if index is not None:
        neighbours = index.all_pairs_topk(stored_lists.RAW_NEIGHBOURS).as_dict()
        raw.update({a: [(n.id, n.score) for n in ns] for a, ns in neighbours.items()})
    stored_lists.store_raw(db, raw)
    db.commit()
    for start in range(0, len(ids), SERVE_STEP):
        stored_lists.serve(db, site, index, ids[start : start + SERVE_STEP])
        db.commit()
    done = select(RelatedPending.id).where(RelatedPending.site_id == site.id, RelatedPending.id <= covered)
    rows = list(db.execute(done).all())
    _done(db, rows)
    db.commit()
    log.info("refitted site %s in steps: %d articles", site.slug, len(ids))
    return len(rows)


def drain_site(db: Session, site: Site, batch: int = BATCH) -> int:
    """Handle one batch of the site's pending rows and commit; returns how many rows were handled."""
    if _is_sqlite(db) and _refit_first(db, site):
        return _refit_in_steps(db, site)
    _take_writer_lock(db, site)
    locked = index_cache.lock_index(db, site)
    waiting = backlog(db, site)
    if not waiting:
        db.commit()
        return 0
    large = _large(locked.state)
    if not large and (waiting > REFIT_PENDING or _refit_due(locked.state, min(waiting, batch))):
        if _is_sqlite(db):  # never hold SQLite's one writer lock for a whole refit
            db.commit()
            return _refit_in_steps(db, site)
        rows = _claim(db, site)
        updates.refit_site(db, site, locked)
    else:
        rows = _claim(db, site, limit=batch)
        _apply(db, site, locked, list(dict.fromkeys(row.article_id for row in rows)))
    _done(db, rows)
    db.commit()
    return len(rows)


def _large(state: RelatedIndexState | None) -> bool:
    """A site too large to refit for drift alone (the nightly refit does); new field weights still refit it."""
    return state is not None and not state.refit_wanted and state.fitted_count > index_cache.LARGE_SITE


def _refit_first(db: Session, site: Site) -> bool:
    """Whether the site's queue is handled by a refit (read without a lock; the locked path decides again)."""
    state = db.get(RelatedIndexState, site.id, populate_existing=True)
    waiting = backlog(db, site)
    large = _large(state)
    return bool(waiting) and not large and (waiting > REFIT_PENDING or _refit_due(state, min(waiting, BATCH)))


def drain_site_fully(db: Session, site: Site) -> int:
    """Handle every pending row of the site (commands and tools that need the lists before they go on)."""
    total = 0
    while count := drain_site(db, site):
        total += count
    return total


def drain(
    db: Session,
    budget_seconds: float = 30.0,
    batch: int = BATCH,
    should_stop: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    """Drain pending rows of every site, one batch at a time, until none are left, the budget is spent or
    ``should_stop()``; returns what was handled and what is left."""
    deadline = time.monotonic() + budget_seconds
    handled: dict[str, int] = {}
    while time.monotonic() < deadline and not should_stop():
        site_ids = list(db.scalars(select(RelatedPending.site_id).distinct().order_by(RelatedPending.site_id)))
        db.commit()
        if not site_ids:
            break
        progress = 0
        for site_id in site_ids:
            if time.monotonic() >= deadline or should_stop():
                break
            site = db.get(Site, site_id)
            if site is None:
                continue
            count = drain_site(db, site, batch)
            if count:
                handled[site.slug] = handled.get(site.slug, 0) + count
                progress += count
        if not progress:
            break
    left = backlog(db)
    db.commit()
    if handled:
        log.info("related work drained: %s; %d rows left", handled, left)
    return {"handled": handled, "left": left}
