"""Each process's in-memory TF-IDF index of a site, kept in step with the database.

The fitted index is saved to ``<VAR_DIR>/indexes/`` when a site is (re)fitted; every article write
afterwards appends a row to ``related_index_log``. A process that finds its cached index older than
the site's state row reloads the saved file, then replays the log entries it has not applied yet, so
gunicorn workers and the scheduler all see the same index without refitting.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from articles.models import Article, ArticleLabel
from articles.related.models import RelatedIndexLog, RelatedIndexState
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


_cache: dict[tuple[str, int], CachedIndex] = {}
_cache_lock = threading.Lock()


def _key(site_id: int) -> tuple[str, int]:
    return (current_app.config["DATABASE_URL"], site_id)


def forget(site_id: int) -> None:
    """Drop this process's cached index of a site (after a rollback, it may hold uncommitted changes)."""
    with _cache_lock:
        _cache.pop(_key(site_id), None)


def index_dir() -> Path:
    return Path(current_app.config["VAR_DIR"]) / "indexes"


def published_documents(db: Session, site_id: int, ids: list[int] | None = None) -> list[Document]:
    """Published articles as recommender Documents (labels read in one query)."""
    query = select(Article.id, Article.title, Article.summary, Article.body_text).where(
        Article.site_id == site_id, Article.status == "published"
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


def _fit(docs: list[Document]) -> RelatedIndex | None:
    if len(docs) < 2:
        return None
    try:
        return RelatedIndex().fit(docs)
    except ValueError as exc:  # e.g. no term occurs in two documents yet
        log.info("index not fitted yet: %s", exc)
        return None


def _locked_state(db: Session, site_id: int) -> RelatedIndexState | None:
    """The site's state row, locked for this transaction on PostgreSQL so writers of a site take turns."""
    return db.scalar(select(RelatedIndexState).where(RelatedIndexState.site_id == site_id).with_for_update())


def fit_site_index(db: Session, site: Site) -> RelatedIndex | None:
    """Fit a fresh index on the site's published articles, save it, and make it the current one."""
    docs = published_documents(db, site.id)
    index = _fit(docs)
    token = secrets.token_hex(8)
    mark = db.scalar(select(func.max(RelatedIndexLog.id)).where(RelatedIndexLog.site_id == site.id)) or 0
    if index is not None:
        folder = index_dir()
        folder.mkdir(parents=True, exist_ok=True)
        index.save(folder / f"site-{site.id}-{token}.joblib")
    state = _locked_state(db, site.id)
    if state is None:
        state = RelatedIndexState(site_id=site.id)
        db.add(state)
    state.token, state.log_mark, state.fitted_count = token, mark, len(docs)
    state.changed_since_fit, state.fitted_at = 0, utcnow()
    db.execute(delete(RelatedIndexLog).where(RelatedIndexLog.site_id == site.id, RelatedIndexLog.id <= mark))
    db.flush()
    with _cache_lock:
        _cache[_key(site.id)] = CachedIndex(index, token, mark)
    _remove_old_files(site.id, token)
    log.info("fitted related index of site %s on %d articles", site.slug, len(docs))
    return index


def _remove_old_files(site_id: int, keep_token: str) -> None:
    for path in index_dir().glob(f"site-{site_id}-*.joblib"):
        if keep_token not in path.name:
            path.unlink(missing_ok=True)


def record_change(db: Session, site_id: int, article_id: int) -> None:
    """Note that an article changed, for every process's index."""
    state = _locked_state(db, site_id)  # lock first: log ids then commit in order on PostgreSQL
    if state is not None:
        state.changed_since_fit += 1
    db.add(RelatedIndexLog(site_id=site_id, article_id=article_id))
    db.flush()


def needs_refit(db: Session, site: Site) -> bool:
    state = _locked_state(db, site.id)
    if state is None or state.fitted_count < SMALL_SITE:
        return True
    return state.fitted_count <= LARGE_SITE and state.changed_since_fit > REFIT_SHARE * state.fitted_count


def current_index(db: Session, site: Site) -> RelatedIndex | None:
    """The site's index with every logged change applied (loading or fitting it when needed)."""
    state = _locked_state(db, site.id)
    if state is None:
        return fit_site_index(db, site)
    with _cache_lock:
        cached = _cache.get(_key(site.id))
    if cached is None or cached.token != state.token:
        cached = _load(db, site, state)
        if cached is None:
            return fit_site_index(db, site)
    _replay(db, site.id, cached)
    with _cache_lock:
        _cache[_key(site.id)] = cached
    return cached.index


def _load(db: Session, site: Site, state: RelatedIndexState) -> CachedIndex | None:
    if state.fitted_count < 2:
        return CachedIndex(None, state.token, state.log_mark)
    path = index_dir() / f"site-{site.id}-{state.token}.joblib"
    try:
        return CachedIndex(RelatedIndex.load(path), state.token, state.log_mark)
    except (FileNotFoundError, IndexFormatError) as exc:
        log.warning("saved index of site %s unusable (%s); refitting", site.slug, exc)
        return None


def _replay(db: Session, site_id: int, cached: CachedIndex) -> None:
    rows = db.execute(
        select(RelatedIndexLog.id, RelatedIndexLog.article_id)
        .where(RelatedIndexLog.site_id == site_id, RelatedIndexLog.id > cached.mark)
        .order_by(RelatedIndexLog.id)
    ).all()
    if not rows:
        return
    changed = list(dict.fromkeys(article_id for _, article_id in rows))
    cached.mark = rows[-1].id
    if cached.index is None:
        return
    docs = {doc.id: doc for doc in published_documents(db, site_id, changed)}
    for article_id in changed:
        doc = docs.get(article_id)
        if doc is not None:
            cached.index.update(doc) if article_id in cached.index else cached.index.add(doc)
        elif article_id in cached.index:
            cached.index.remove(article_id)
