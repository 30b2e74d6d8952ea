"""Each process's in-memory TF-IDF index of a site, kept in step with the database.

The fitted index is stored in the database (:mod:`articles.related.index_store`) when a site is (re)fitted;
every article write afterwards appends a row to ``related_index_log``. A process that finds its cached index
older than the site's state row loads the stored index, then replays the log entries it has not applied yet,
so workers and the scheduler on any machine sharing the database see the same index without refitting. The
widget's read path serves stored lists and never loads an index.

Two ways in:

* writers call :func:`lock_index` once per write: it locks the site's state row for the rest of the
  transaction (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time anyway) and returns a
  :class:`LockedIndex` that records the change, decides on a refit and gives the current index;
* readers (digest composition and previews) call :func:`read_index`: no lock, no write, no commit; they get
  a copy of their own, because writers in other threads update the cached index in place.

The process's cache never holds a change that was not committed. A writer takes the site's index *out* of the
cache for its transaction (into ``Session.info``) and changes it there; it goes back into the cache only after
the transaction commits. A rollback of any kind, a failed ``COMMIT`` (a connection lost mid-write, a server
restart) or a session closed without committing simply drops it, and the next user reloads the saved file and
replays the log as the database has it. Nothing depends on a rollback reaching the database: when the
connection is gone there is none, yet the index the transaction changed never went back.
"""

from __future__ import annotations

import copy
import logging
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from articles.models import Article, ArticleLabel
from articles.related.index_store import IndexStore, store_of
from articles.related.models import RelatedIndexLog, RelatedIndexState
from articles.synonyms.store import synonym_pairs
from recommender.document import Document
from recommender.index import IndexFormatError, RelatedIndex
from service.db import utcnow
from service.sites import Site

log = logging.getLogger(__name__)

#: Sites smaller than this refit on every write (cheap), so a young site's vocabulary grows with it.
SMALL_SITE = 20
#: Larger sites refit on write once this share of their articles changed since the last fit, so new
#: words enter the vocabulary (up to LARGE_SITE articles; beyond that the nightly refit job does it).
REFIT_SHARE = 0.1
LARGE_SITE = 5000


@dataclass
class CachedIndex:
    index: RelatedIndex | None  # None while the site has too few words to fit
    token: str
    mark: int


#: this process's indexes by (database, site id); entries are changed in place only under ``_cache_lock``
_cache: dict[tuple[str, int], CachedIndex] = {}
_cache_lock = threading.Lock()
#: the parts of a fitted RelatedIndex that stay as fitted (its vocabulary and term names) or are only ever
#: replaced, never changed in place (compaction builds new main matrices): a reader's copy shares them, so
#: copying costs about what the per-row bookkeeping does, not the vocabulary
_SHARED_PARTS = ("vectorizer_", "_names", "surface_", "main_", "main_t_", "base_phrases_")


#: ``Session.info`` key of the indexes a transaction took out of the cache to change
_IN_TRANSACTION = "related_indexes_in_transaction"


def _key(store: IndexStore, site_id: int) -> tuple[str, int]:
    return (store.database, site_id)


def forget(store: IndexStore, site_id: int) -> None:
    """Drop this process's cached index of a site (the next user reloads it)."""
    with _cache_lock:
        _cache.pop(_key(store, site_id), None)


def _in_transaction(db: Session) -> dict[tuple[str, int], CachedIndex]:
    """The indexes this session's transaction took out of the cache (and may have changed)."""
    return db.info.setdefault(_IN_TRANSACTION, {})


def _take(db: Session, key: tuple[str, int]) -> CachedIndex | None:
    """The site's index for a writer: the one its transaction holds already, else taken out of the cache."""
    mine = _in_transaction(db)
    if key in mine:
        return mine[key]
    with _cache_lock:
        return _cache.pop(key, None)


@event.listens_for(Session, "after_commit")
def _publish_committed(db: Session) -> None:
    """The transaction committed: its indexes now match the database, and go back into the cache (unless a
    later transaction already put back one at least as far along the same log)."""
    entries = db.info.pop(_IN_TRANSACTION, None)
    if not entries:
        return
    with _cache_lock:
        for key, entry in entries.items():
            present = _cache.get(key)
            if present is None or present.token != entry.token or present.mark <= entry.mark:
                _cache[key] = entry


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(db: Session, _previous: SessionTransaction) -> None:
    """Any rollback (a savepoint's too, and those whose connection was already gone): drop what it changed."""
    db.info.pop(_IN_TRANSACTION, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_unless_committed(db: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without a commit (a session closed after an error) leaves nothing behind."""
    if transaction.parent is None:
        db.info.pop(_IN_TRANSACTION, None)


def published_documents(db: Session, site_id: int, ids: list[int] | None = None) -> list[Document]:
    """Published articles as recommender Documents (labels read in one query); an article published for a
    later moment is left out until then (``articles.related.scheduled``)."""
    query = select(Article.id, Article.title, Article.summary, Article.body_text).where(
        Article.site_id == site_id,
        Article.status == "published",
        or_(Article.published_at.is_(None), Article.published_at <= utcnow()),  # scheduled ones enter on time
    )
    if ids is not None:
        query = query.where(Article.id.in_(ids))
    rows = db.execute(query.order_by(Article.id)).all()
    labels = _labels(db, [row.id for row in rows])
    return [
        Document(
            id=row.id,
            title=row.title,
            summary=_own_summary(row.summary, row.body_text),
            body=row.body_text or "",
            tags=tuple(labels.get((row.id, "tag"), ())),
            categories=tuple(labels.get((row.id, "category"), ())),
        )
        for row in rows
    ]


def _own_summary(summary: str | None, body: str | None) -> str:
    """The summary, unless it was derived from the body (it would count the opening words twice)."""
    summary = (summary or "").removesuffix("…")
    return "" if summary and (body or "").startswith(summary) else summary


def _labels(db: Session, ids: list[int]) -> dict[tuple[int, str], list[str]]:
    out: dict[tuple[int, str], list[str]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        query = (
            select(ArticleLabel.article_id, ArticleLabel.kind, ArticleLabel.name)
            .where(ArticleLabel.article_id.in_(chunk))
            .order_by(ArticleLabel.position)
        )
        for article_id, kind, name in db.execute(query):
            out.setdefault((article_id, kind), []).append(name)
    return out


def site_field_weights(site: Site) -> dict[str, float]:
    """The site's field weights (``recommender.fields``): its own setting, or the defaults."""
    return {name: float(weight) for name, weight in site.setting("field_weights").items()}


#: how many times this process fitted an index (operators' logs and tests read it)
fits = 0


def _fit(docs: list[Document], site: Site) -> RelatedIndex | None:
    global fits
    fits += 1
    if len(docs) < 2:
        return None
    try:
        return RelatedIndex(field_weights=site_field_weights(site)).fit(docs)
    except ValueError as exc:  # e.g. no term occurs in two documents yet
        log.info("index not fitted yet: %s", exc)
        return None


def lock_index(db: Session, site: Site) -> LockedIndex:
    """Lock the site's index state row until the transaction ends; one write takes it once and passes it on."""
    state = db.scalar(
        select(RelatedIndexState)
        .where(RelatedIndexState.site_id == site.id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the locked row's values, not those of an earlier transaction
    )
    return LockedIndex(db, site, state)


class LockedIndex:
    """A site's index state, locked by this transaction: what one write does with the index."""

    def __init__(self, db: Session, site: Site, state: RelatedIndexState | None):
        self.db, self.site, self.state = db, site, state
        self.store = store_of(db)

    def record_change(self, article_id: int) -> None:
        """Note that an article changed, for every process's index."""
        if self.state is not None:
            self.state.changed_since_fit += 1
        self.db.add(RelatedIndexLog(site_id=self.site.id, article_id=article_id))
        self.db.flush()

    def needs_refit(self) -> bool:
        state = self.state
        if state is None or state.refit_wanted or state.fitted_count < SMALL_SITE:
            return True
        return state.fitted_count <= LARGE_SITE and state.changed_since_fit > REFIT_SHARE * state.fitted_count

    def current(self) -> RelatedIndex | None:
        """The site's index with every logged change applied (loading or fitting it when needed)."""
        if self.state is None:
            return fit_site_index(self.db, self.site, self)
        key = _key(self.store, self.site.id)
        cached = _take(self.db, key)
        if cached is None or cached.token != self.state.token:
            cached = _load(self.db, self.site, self.state.token, self.state.log_mark, self.state.fitted_count)
            if cached is None:
                return fit_site_index(self.db, self.site, self)
        _in_transaction(self.db)[key] = cached  # back into the cache only when the transaction commits
        _replay(self.db, self.site.id, cached)
        return cached.index


def fit_site_index(
    db: Session, site: Site, locked: LockedIndex | None = None, keep_private: bool = False
) -> RelatedIndex | None:
    """Fit a fresh index on the site's published articles, save it, and make it the current one.

    A write passes the ``locked`` state it holds; without one (a refit job or command) the index is fitted
    first and the state row locked only to store and record it, so writers are not held up while it fits.
    The index is stored in the caller's transaction: other processes see it once that commits. With
    ``keep_private`` the answer is the caller's alone (not this process's cached index, which other threads
    update in place once the transaction commits; the copy shares the fitted matrices, so it costs little): a
    caller that commits and then keeps using it passes it.
    """
    store = store_of(db)
    docs = published_documents(db, site.id)
    index = _fit(docs, site)
    token = secrets.token_hex(8)
    mark = db.scalar(select(func.max(RelatedIndexLog.id)).where(RelatedIndexLog.site_id == site.id)) or 0
    locked = locked or lock_index(db, site)
    if index is not None:
        size = store.save(db, site.id, token, index)
        log.info("stored related index of site %s: %d bytes", site.slug, size)
    state = locked.state
    if state is None:
        state = locked.state = RelatedIndexState(site_id=site.id)
        db.add(state)
    state.token, state.log_mark, state.fitted_count = token, mark, len(docs)
    state.changed_since_fit, state.fitted_at, state.refit_wanted = 0, utcnow(), False
    db.execute(delete(RelatedIndexLog).where(RelatedIndexLog.site_id == site.id, RelatedIndexLog.id <= mark))
    db.flush()
    cached = CachedIndex(index, token, mark)
    if keep_private:  # a copy sharing the fitted matrices, made before any other thread can see ``cached``
        index = _own_copy(cached).index
    _in_transaction(db)[_key(store, site.id)] = cached  # cached once committed
    store.remove_others(db, site.id, token)
    log.info("fitted related index of site %s on %d articles", site.slug, len(docs))
    return index


def read_index(db: Session, site: Site) -> RelatedIndex | None:
    """The site's current index for a reader: takes no lock, writes and commits nothing.

    The answer is the caller's own copy, up to date with the log as this transaction sees it. A site never
    fitted, or whose stored index is unusable, is fitted in memory only (the next refit stores a fresh one).
    """
    store = store_of(db)
    state = db.execute(
        select(RelatedIndexState.token, RelatedIndexState.log_mark, RelatedIndexState.fitted_count).where(
            RelatedIndexState.site_id == site.id
        )
    ).one_or_none()
    if state is None:
        return _with_site_synonyms(db, site, _fit(published_documents(db, site.id), site))
    key = _key(store, site.id)
    with _cache_lock:
        cached = _in_transaction(db).get(key) or _cache.get(key)
        own = _own_copy(cached) if cached is not None and cached.token == state.token else None
    if own is None:
        loaded = _load(db, site, state.token, state.log_mark, state.fitted_count)
        if loaded is None:
            return _with_site_synonyms(db, site, _fit(published_documents(db, site.id), site))
        own = _own_copy(loaded)
        with _cache_lock:
            cached = _cache.get(key)
            if cached is None or cached.token != state.token:
                _cache[key] = loaded
    _replay(db, site.id, own)
    return _with_site_synonyms(db, site, own.index)


def _with_site_synonyms(db: Session, site: Site, index: RelatedIndex | None) -> RelatedIndex | None:
    """A reader's index rewrites queries with the site's synonyms over the lay lexicon."""
    return index.use_synonyms(synonym_pairs(db, site.id)) if index is not None else None


def _own_copy(cached: CachedIndex) -> CachedIndex:
    """A copy of ``cached`` for one reader, which writers in other threads cannot change under it."""
    memo: dict[int, Any] = {}
    if cached.index is not None:
        for name in _SHARED_PARTS:
            part = getattr(cached.index, name)
            memo[id(part)] = part
    return copy.deepcopy(cached, memo)


#: how many times this process loaded a stored index (operators' logs and tests read it)
loads = 0


def _load(db: Session, site: Site, token: str, mark: int, fitted_count: int) -> CachedIndex | None:
    global loads
    if fitted_count < 2:
        return CachedIndex(None, token, mark)
    try:
        index = store_of(db).load(db, site.id, token)
    except (FileNotFoundError, IndexFormatError) as exc:
        log.warning("stored index of site %s unusable (%s); fitting a new one", site.slug, exc)
        return None
    loads += 1
    log.info("loaded the stored related index of site %s (%d articles)", site.slug, len(index))
    return CachedIndex(index, token, mark)


def _replay(db: Session, site_id: int, cached: CachedIndex) -> None:
    """Apply the logged changes ``cached`` has not seen (the documents are read before the cache lock is taken)."""
    rows = db.execute(
        select(RelatedIndexLog.id, RelatedIndexLog.article_id)
        .where(RelatedIndexLog.site_id == site_id, RelatedIndexLog.id > cached.mark)
        .order_by(RelatedIndexLog.id)
    ).all()
    if not rows:
        return
    changed = list(dict.fromkeys(article_id for _, article_id in rows))
    docs = {doc.id: doc for doc in published_documents(db, site_id, changed)} if cached.index is not None else {}
    with _cache_lock:
        cached.mark = rows[-1].id
        if cached.index is None:
            return
        for article_id in changed:
            doc = docs.get(article_id)
            if doc is not None:
                cached.index.update(doc) if article_id in cached.index else cached.index.add(doc)
            elif article_id in cached.index:
                cached.index.remove(article_id)
