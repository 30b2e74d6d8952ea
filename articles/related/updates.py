"""Keeping every article's related list current, and the editors' rules that shape it.

Queue on write: ``after_write`` runs in the same transaction as the article write and records the article in
``related_pending``; the drainer (``articles.related.pending``) later updates the index and the lists of the
written article and of every article whose list it enters or leaves (:func:`update_around`), so a widget's
read stays one lookup of a stored list and a write never waits on the index.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from articles.models import Article, ArticleLabel
from articles.related import index_cache, scheduled, stored_lists
from articles.related.models import EditorRule, NeverPairRule, RelatedLink, RelatedList, RelatedPending
from service import audit
from service.db import utcnow
from service.errors import ApiError
from service.http import is_id
from service.sites import Site

log = logging.getLogger(__name__)

#: how many of the most similar articles are checked for whether the new one enters their list
ENTRY_CANDIDATES = 500


# ---------------------------------------------------------------- writes


def after_write(db: Session, site: Site, article: Article) -> None:
    """Queue the written article's index and list update (collected instead inside :func:`deferred`)."""
    collecting = db.info.get("related_deferred")
    if collecting is not None and site.id in collecting:
        collecting[site.id].add(article.id)
        return
    queue(db, site, [article.id])


def queue(db: Session, site: Site, article_ids: Iterable[int]) -> None:
    """Record that these articles' index rows and neighbourhoods must be brought up to date."""
    now = utcnow()
    rows = [{"site_id": site.id, "article_id": a, "queued_at": now} for a in dict.fromkeys(article_ids)]
    if rows:
        db.execute(insert(RelatedPending), rows)


def lists_showing(db: Session, article_id: int) -> set[int]:
    """Articles whose raw neighbours include ``article_id``."""
    return set(db.scalars(select(RelatedLink.article_id).where(RelatedLink.related_id == article_id)))


def after_purge(db: Session, site: Site, article_id: int, showing: set[int]) -> None:
    """After an article was deleted: queue its removal from the index and the refill of the lists that showed it."""
    queue(db, site, [article_id, *sorted(showing - {article_id})])


def update_around(db: Session, site: Site, article_ids: list[int], locked: index_cache.LockedIndex) -> None:
    """Recompute the lists of these (already logged) articles and of every article whose list they enter or leave."""
    index = locked.current()
    scheduled.note_future(db, site.id, article_ids)
    affected: set[int] = set(article_ids)
    for article_id in article_ids:
        affected |= lists_showing(db, article_id)
        if index is not None and article_id in index:
            affected |= _entering(db, index, article_id)
    _recompute(db, site, index, affected)


def _entering(db: Session, index: Any, article_id: int) -> set[int]:
    """Articles whose stored list the article now belongs in (its score beats their lowest)."""
    ids, scores = index.similarities(article_id)
    if not len(ids):
        return set()
    top = scores.argsort()[::-1][:ENTRY_CANDIDATES]
    best = {int(ids[i]): float(scores[i]) for i in top if scores[i] > 0}
    rows = db.execute(
        select(RelatedList.article_id, RelatedList.threshold).where(RelatedList.article_id.in_(list(best)))
    )
    return {aid for aid, threshold in rows if best[aid] > threshold}


def _recompute(db: Session, site: Site, index: Any, ids: set[int]) -> None:
    published = set(db.scalars(select(Article.id).where(Article.id.in_(ids), Article.status == "published")))
    raw = {}
    for article_id in published:
        if index is not None and article_id in index:
            raw[article_id] = [(n.id, n.score) for n in index.related(article_id, stored_lists.RAW_NEIGHBOURS)]
        else:
            raw[article_id] = []
    stored_lists.store_raw(db, raw)
    stored_lists.serve(db, site, index, ids)
    db.flush()


def refit_site(db: Session, site: Site, locked: index_cache.LockedIndex | None = None) -> dict[str, Any]:
    """Refit the site's index and rebuild every stored list from it (a write passes the lock it holds)."""
    started = time.perf_counter()
    index = index_cache.fit_site_index(db, site, locked)
    scheduled.note_future(db, site.id)
    ids = list(db.scalars(select(Article.id).where(Article.site_id == site.id)))
    raw: dict[int, list[tuple[int, float]]] = {i: [] for i in ids}
    if index is not None:
        neighbours = index.all_pairs_topk(stored_lists.RAW_NEIGHBOURS).as_dict()
        raw.update({a: [(n.id, n.score) for n in ns] for a, ns in neighbours.items()})
    stored_lists.store_raw(db, raw)
    for start in range(0, len(ids), 1000):
        stored_lists.serve(db, site, index, ids[start : start + 1000])
        db.flush()
    seconds = round(time.perf_counter() - started, 3)
    log.info("refitted site %s: %d articles in %.2fs", site.slug, len(ids), seconds)
    return {"site": site.slug, "articles": len(ids), "indexed": len(index) if index else 0, "seconds": seconds}


def refit_all_sites(db: Session) -> dict[str, Any]:
    """Refit every site (the nightly job); each site commits on its own."""
    report = {}
    for site in db.scalars(select(Site).order_by(Site.id)).all():
        report[site.slug] = refit_site(db, site)
        db.commit()
    return report


@contextlib.contextmanager
def deferred(db: Session, site: Site) -> Iterator[None]:
    """Many writes at once (feeds, demo, evaluation): each article is queued once, at the end."""
    collecting = db.info.setdefault("related_deferred", {})
    if site.id in collecting:
        yield
        return
    collecting[site.id] = set()
    try:
        yield
        changed = collecting[site.id]
    finally:
        del collecting[site.id]
    queue(db, site, sorted(changed))


# ---------------------------------------------------------------- reads


def related_items(db: Session, site: Site, article: Article, limit: int = stored_lists.SERVED) -> list[dict]:
    row = db.get(RelatedList, article.id)
    return list(row.items[:limit]) if row is not None else []


# ---------------------------------------------------------------- editors' rules


def _targets(db: Session, site: Site, article: Article, ids: Any) -> list[int]:
    if not isinstance(ids, list) or not all(is_id(i) for i in ids):
        raise ApiError(422, "invalid_fields", 'Send {"ids": [article id, ...]}.', {"ids": "must be a list of ids"})
    if len(ids) > stored_lists.SERVED:
        raise ApiError(422, "invalid_fields", f"At most {stored_lists.SERVED} ids.", {"ids": "too many"})
    ids = list(dict.fromkeys(ids))
    if article.id in ids:
        raise ApiError(422, "invalid_fields", "An article cannot be related to itself.", {"ids": "contains itself"})
    found = set(db.scalars(select(Article.id).where(Article.id.in_(ids), Article.site_id == site.id)))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApiError(
            422,
            "invalid_fields",
            "Some ids are not articles of this site.",
            {"ids": f"unknown: {', '.join(map(str, missing))}"},
        )
    return ids


def _set_rules(db: Session, site: Site, article: Article, kind: str, ids: Any) -> list[int]:
    ids = _targets(db, site, article, ids)
    before = rules_for(db, article)[kind + "s"]
    db.execute(delete(EditorRule).where(EditorRule.article_id == article.id, EditorRule.kind == kind))
    if ids:
        db.execute(delete(EditorRule).where(EditorRule.article_id == article.id, EditorRule.target_id.in_(ids)))
    for position, target in enumerate(ids):
        db.add(EditorRule(article_id=article.id, target_id=target, kind=kind, position=position))
    db.flush()
    stored_lists.serve(db, site, index_cache.lock_index(db, site).current(), [article.id])
    db.flush()
    log.info("%d %ss set on article %s of site %s", len(ids), kind, article.id, site.slug)
    if ids != before:
        now_ids, were = ", ".join(map(str, ids)) or "none", ", ".join(map(str, before)) or "none"
        summary = f"“{article.title}”: {kind}s {now_ids} (were {were})"
        audit.record(db, site.id, kind, "set", summary, article.id, before={"ids": before}, after={"ids": ids})
    return ids


def set_pins(db: Session, site: Site, article: Article, ids: Any) -> list[int]:
    """Pin ``ids`` (in this order) at the top of the article's list; a pin replaces a block of the same article."""
    return _set_rules(db, site, article, "pin", ids)


def set_blocks(db: Session, site: Site, article: Article, ids: Any) -> list[int]:
    """Never show ``ids`` on this article; a block replaces a pin of the same article."""
    return _set_rules(db, site, article, "block", ids)


def rules_for(db: Session, article: Article) -> dict[str, list[int]]:
    rows = db.execute(
        select(EditorRule.kind, EditorRule.target_id)
        .where(EditorRule.article_id == article.id)
        .order_by(EditorRule.position)
    )
    out: dict[str, list[int]] = {"pins": [], "blocks": []}
    for kind, target in rows:
        out[kind + "s"].append(target)
    return out


def list_never_pairs(db: Session, site: Site) -> list[NeverPairRule]:
    return list(db.scalars(select(NeverPairRule).where(NeverPairRule.site_id == site.id).order_by(NeverPairRule.id)))


def _clean_tag(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 100:
        raise ApiError(422, "invalid_fields", "Tags are 1-100 characters.", {field: "must be a tag"})
    return value.strip()


def _reserve_tagged(db: Session, site: Site, tags: list[str]) -> None:
    ids = set(
        db.scalars(
            select(ArticleLabel.article_id)
            .join(Article)
            .where(Article.site_id == site.id, ArticleLabel.kind == "tag", ArticleLabel.name.in_(tags))
        )
    )
    ids |= set(db.scalars(select(RelatedLink.article_id).where(RelatedLink.related_id.in_(ids)))) if ids else set()
    if ids:
        stored_lists.serve(db, site, index_cache.lock_index(db, site).current(), sorted(ids))
    db.flush()


def add_never_pair(db: Session, site: Site, tag_a: Any, tag_b: Any) -> NeverPairRule:
    """Never show articles tagged ``tag_a`` beside articles tagged ``tag_b`` (either way round)."""
    a, b = sorted([_clean_tag(tag_a, "tag_a"), _clean_tag(tag_b, "tag_b")], key=str.casefold)
    if a.casefold() == b.casefold():
        raise ApiError(422, "invalid_fields", "The two tags must differ.", {"tag_b": "same as tag_a"})
    existing = db.scalar(
        select(NeverPairRule).where(
            NeverPairRule.site_id == site.id, NeverPairRule.tag_a == a, NeverPairRule.tag_b == b
        )
    )
    if existing is not None:
        raise ApiError(409, "rule_exists", f"Rule {existing.id} already keeps these tags apart.")
    rule = NeverPairRule(site_id=site.id, tag_a=a, tag_b=b)
    db.add(rule)
    db.flush()
    _reserve_tagged(db, site, [a, b])
    audit.record(db, site.id, "never_pair", "added", f"“{a}” never beside “{b}”", rule.id)
    return rule


def remove_never_pair(db: Session, site: Site, rule_id: int) -> None:
    rule = db.get(NeverPairRule, rule_id)
    if rule is None or rule.site_id != site.id:
        raise ApiError(404, "unknown_rule", f"No never-pair rule {rule_id}.")
    tags = [rule.tag_a, rule.tag_b]
    audit.record(db, site.id, "never_pair", "removed", f"“{rule.tag_a}” never beside “{rule.tag_b}”", rule.id)
    db.delete(rule)
    db.flush()
    _reserve_tagged(db, site, tags)
