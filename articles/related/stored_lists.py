"""Stored related lists: raw neighbours from the index, then the editors' rules, ready to serve.

Two layers per article: ``related_links`` holds the raw top neighbours with their scores (what the
index says); ``related_lists`` holds what a widget shows (rules applied, fallback filled, explanations
attached) with a version that changes whenever the list does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from articles.models import Article, ArticleLabel
from articles.related.models import EditorRule, NeverPairRule, RelatedLink, RelatedList
from recommender.evidence import MinimumEvidence, scored_evidence
from recommender.index import RelatedIndex
from recommender.pair_reasons import PairReason, pair_reasons
from recommender.ranking import Candidate, Link, Rules, apply_rules
from service.dates import iso
from service.db import utcnow
from service.sites import DEFAULT_SITE_SETTINGS, Site

RAW_NEIGHBOURS = 30  # a few more than are served, so rules can drop some without a fallback
SERVED = 20
FALLBACK_POOL = 40
WHY_TERMS = 3
#: at this cosine two articles say the same thing (small sites reach 0.99 between merely close ones);
#: the copy is never shown beside the original
NEAR_DUPLICATE = 0.999


@dataclass
class Meta:
    """What rules and widgets need of an article."""

    id: int
    title: str
    url: str
    summary: str
    image_url: str | None
    status: str
    site_id: int
    published_at: datetime | None
    reviewed_at: datetime | None
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def candidate(self, score: float = 0.0) -> Candidate:
        return Candidate(
            id=self.id,
            score=score,
            canonical_url=self.url,
            status=self.status,
            site_id=self.site_id,
            tags=self.tags,
            categories=self.categories,
            published_at=self.published_at,
            medically_reviewed_at=self.reviewed_at,
        )


_META_COLUMNS = (
    Article.id,
    Article.title,
    Article.canonical_url,
    Article.summary,
    Article.image_url,
    Article.status,
    Article.site_id,
    Article.published_at,
    Article.medically_reviewed_at,
)


def _metas(db: Session, query: Any) -> dict[int, Meta]:
    metas = {row[0]: Meta(*row) for row in db.execute(query)}
    ids = list(metas)
    for start in range(0, len(ids), 5000):
        labels = (
            select(ArticleLabel.article_id, ArticleLabel.kind, ArticleLabel.name)
            .where(ArticleLabel.article_id.in_(ids[start : start + 5000]))
            .order_by(ArticleLabel.position)
        )
        for article_id, kind, name in db.execute(labels):
            meta = metas[article_id]
            if kind == "tag":
                meta.tags += (name,)
            else:
                meta.categories += (name,)
    return metas


def metas_by_id(db: Session, ids: Iterable[int]) -> dict[int, Meta]:
    ids = list(set(ids))
    out: dict[int, Meta] = {}
    for start in range(0, len(ids), 5000):
        out.update(_metas(db, select(*_META_COLUMNS).where(Article.id.in_(ids[start : start + 5000]))))
    return out


def store_raw(db: Session, neighbours: dict[int, list[tuple[int, float]]]) -> None:
    """Replace the raw neighbour rows of each given article."""
    ids = list(neighbours)
    for start in range(0, len(ids), 5000):
        db.execute(delete(RelatedLink).where(RelatedLink.article_id.in_(ids[start : start + 5000])))
    rows = [
        {"article_id": a, "rank": r, "related_id": n, "score": s}
        for a, ns in neighbours.items()
        for r, (n, s) in enumerate(ns)
    ]
    for start in range(0, len(rows), 5000):
        db.execute(insert(RelatedLink), rows[start : start + 5000])


def raw_neighbours(db: Session, ids: list[int]) -> dict[int, list[tuple[int, float]]]:
    out: dict[int, list[tuple[int, float]]] = {i: [] for i in ids}
    for start in range(0, len(ids), 5000):
        query = (
            select(RelatedLink.article_id, RelatedLink.related_id, RelatedLink.score)
            .where(RelatedLink.article_id.in_(ids[start : start + 5000]))
            .order_by(RelatedLink.article_id, RelatedLink.rank)
        )
        for article_id, related_id, score in db.execute(query):
            out[article_id].append((related_id, score))
    return out


def site_rules(site: Site, db: Session) -> Rules:
    pairs = [
        (a, b)
        for a, b in db.execute(select(NeverPairRule.tag_a, NeverPairRule.tag_b).where(NeverPairRule.site_id == site.id))
    ]
    return Rules(
        never_pair=pairs,
        min_score=float(site.setting("related_min_score")),
        fallback=bool(site.setting("related_fallback")),
        mmr_lambda=site.setting("related_diversity"),
        min_evidence=site_min_evidence(site),
        reviewed_within_months=site.setting("related_reviewed_within_months"),
        near_duplicate_threshold=NEAR_DUPLICATE,
        now=utcnow(),
    )


def site_min_evidence(site: Site) -> MinimumEvidence:
    """The site's minimum-evidence rule: its stored keys over the defaults (a malformed value is a ValueError)."""
    stored = (site.settings or {}).get("related_min_evidence") or {}
    if not isinstance(stored, dict):
        raise ValueError("site setting related_min_evidence must be an object")
    return MinimumEvidence.from_mapping({**DEFAULT_SITE_SETTINGS["related_min_evidence"], **stored})


def _editor_rules(db: Session, ids: list[int]) -> dict[int, dict[str, list[int]]]:
    out: dict[int, dict[str, list[int]]] = {i: {"pin": [], "block": []} for i in ids}
    for start in range(0, len(ids), 5000):
        query = (
            select(EditorRule.article_id, EditorRule.kind, EditorRule.target_id)
            .where(EditorRule.article_id.in_(ids[start : start + 5000]))
            .order_by(EditorRule.position)
        )
        for article_id, kind, target_id in db.execute(query):
            out[article_id][kind].append(target_id)
    return out


def _live() -> Any:
    """Articles already published (one published for a later moment waits: ``articles.related.scheduled``)."""
    return or_(Article.published_at.is_(None), Article.published_at <= utcnow())


class FallbackPool:
    """The site's newest published articles, overall and per category, read once per batch of lists."""

    def __init__(self, db: Session, site: Site, sources: Iterable[Meta]):
        self._db, self._site = db, site
        self._categories = {c for source in sources for c in source.categories}
        self._newest: list[Meta] | None = None
        self._by_category: dict[str, list[Meta]] = {}

    def for_source(self, source: Meta) -> list[Meta]:
        if self._newest is None:
            self._newest = list(_metas(self._db, self._published().limit(FALLBACK_POOL)).values())
            self._load_categories(sorted(self._categories))
        missing = [c for c in source.categories if c not in self._by_category]
        if missing:
            self._load_categories(missing)
        pool = {m.id: m for m in self._newest}
        for category in source.categories:
            pool.update({m.id: m for m in self._by_category[category]})
        return list(pool.values())

    def _published(self) -> Any:
        return (
            select(*_META_COLUMNS)
            .where(Article.site_id == self._site.id, Article.status == "published", _live())
            .order_by(Article.published_at.desc(), Article.id.desc())
        )

    def _load_categories(self, categories: list[str]) -> None:
        """The newest FALLBACK_POOL articles of each category, in one windowed query."""
        ranked = (
            select(
                ArticleLabel.article_id,
                ArticleLabel.name,
                func.row_number()
                .over(partition_by=ArticleLabel.name, order_by=(Article.published_at.desc(), Article.id.desc()))
                .label("n"),
            )
            .join(Article, Article.id == ArticleLabel.article_id)
            .where(
                Article.site_id == self._site.id,
                Article.status == "published",
                _live(),
                ArticleLabel.kind == "category",
                ArticleLabel.name.in_(categories),
            )
            .subquery()
        )
        if not categories:
            return
        rows = self._db.execute(select(ranked.c.article_id, ranked.c.name).where(ranked.c.n <= FALLBACK_POOL)).all()
        metas = metas_by_id(self._db, {article_id for article_id, _ in rows})
        for category in categories:
            self._by_category[category] = []
        for article_id, name in rows:
            self._by_category[name].append(metas[article_id])


def _item(meta: Meta, link: Link, reason: PairReason, labels: list[str]) -> dict[str, Any]:
    return {
        "id": meta.id,
        "title": meta.title,
        "url": meta.url,
        "summary": meta.summary,
        "image_url": meta.image_url,
        "published_at": iso(meta.published_at),
        "category": meta.categories[0] if meta.categories else None,
        "score": round(float(link.score), 4),
        "why": reason.terms,
        "why_labels": labels,
        "why_shares": reason.shares,
        "reason": link.reason,
    }


def shared_labels(source: Meta, target: Meta) -> list[str]:
    """The categories and tags both articles carry (any letter case), named as the target writes them."""
    named = []
    for kind, mine, theirs in (("category", source.categories, target.categories), ("tag", source.tags, target.tags)):
        own = {label.strip().lower() for label in mine}
        named += [f"same {kind}: {label}" for label in theirs if label.strip().lower() in own]
    return named


def _whys(
    index: RelatedIndex | None, source_id: int, links: list[Link], text_only: AbstractSet[int] = frozenset()
) -> list[PairReason]:
    """The distinctive shared words behind each link and each part's share of its similarity; nothing for
    pinned links (an editor's choice) and fallback links to articles that share nothing. The ``text_only``
    links' shared tags and categories did not count, so their similarity is all words."""
    explained = [
        link.id
        for link in links
        if index is not None
        and source_id in index
        and link.id in index
        and link.reason not in ("fallback_newest", "pinned")
    ]
    reasons: dict[int, PairReason] = {}
    if explained and index is not None:
        reasons = dict(zip(explained, pair_reasons(index, source_id, explained, WHY_TERMS), strict=True))
        for link_id in set(explained) & set(text_only):
            reasons[link_id].shares = {"words": 1.0} if reasons[link_id].shares.get("words") else {}
    return [reasons.get(link.id, PairReason()) for link in links]


def _pair_similarity(index: RelatedIndex | None) -> Any:
    """sim(a, b) for diversity (MMR, off unless the site turns it on), one similarity row per article asked."""
    rows: dict[int, dict[int, float]] = {}

    def similarity(a: int, b: int) -> float:
        if index is None or a not in index or b not in index:
            return 0.0
        if a not in rows:
            ids, scores = index.similarities(a)
            rows[a] = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        return rows[a].get(b, 0.0)

    return similarity


def serve(db: Session, site: Site, index: RelatedIndex | None, ids: Iterable[int]) -> None:
    """Apply the rules to the raw neighbours of ``ids`` and store what widgets will show."""
    ids = list(ids)
    rules = site_rules(site, db)
    raw = raw_neighbours(db, ids)
    editor = _editor_rules(db, ids)
    wanted = set(ids) | {n for ns in raw.values() for n, _ in ns} | {t for r in editor.values() for t in r["pin"]}
    metas = metas_by_id(db, wanted)
    existing = {row.article_id: row for row in db.scalars(select(RelatedList).where(RelatedList.article_id.in_(ids)))}
    pool = FallbackPool(db, site, [metas[i] for i in ids if i in metas])
    for article_id in ids:
        source = metas.get(article_id)
        if source is None or source.status != "published":
            _drop(db, article_id, existing.get(article_id))
            continue
        items = _items_for(pool, index, source, raw[article_id], editor[article_id], rules, metas)
        threshold = raw[article_id][-1][1] if len(raw[article_id]) >= RAW_NEIGHBOURS else 0.0
        _upsert(db, site, article_id, items, threshold, existing.get(article_id))


def _items_for(
    pool: FallbackPool,
    index: RelatedIndex | None,
    source: Meta,
    raw: list[tuple[int, float]],
    editor: dict[str, list[int]],
    rules: Rules,
    metas: dict[int, Meta],
) -> list[dict[str, Any]]:
    ranked = [metas[n].candidate(s) for n, s in raw if n in metas]
    if index is not None and source.id in index:
        indexed = [c for c in ranked if c.id in index]
        titles = {source.id: source.title} | {c.id: metas[c.id].title for c in indexed}
        evidence = scored_evidence(index, source.id, [c.id for c in indexed], titles, rules.min_evidence)
        for c, found in zip(indexed, evidence, strict=True):
            c.evidence = found
    pins = [metas[t].candidate() for t in editor["pin"] if t in metas]
    article_rules = Rules(**{**rules.__dict__, "pins": editor["pin"], "blocks": set(editor["block"])})
    links = apply_rules(source.candidate(), ranked, article_rules, SERVED, pins, _pair_similarity(index))
    if len(links) < SERVED and rules.fallback:
        extra = pool.for_source(source)
        metas.update({m.id: m for m in extra})
        links = apply_rules(
            source.candidate(),
            ranked,
            article_rules,
            SERVED,
            pins + [m.candidate() for m in extra],
            _pair_similarity(index),
        )
    rule = article_rules.min_evidence
    text_only = {
        c.id for c in ranked if rule is not None and c.evidence is not None and rule.label_weight(c.evidence) == 0
    }
    whys = _whys(index, source.id, links, {link.id for link in links if link.reason == "similar"} & text_only)
    return [
        _item(metas[link.id], link, why, [] if link.reason == "pinned" else shared_labels(source, metas[link.id]))
        for link, why in zip(links, whys, strict=True)
    ]


def _version(items: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:16]


def _upsert(
    db: Session, site: Site, article_id: int, items: list[dict[str, Any]], threshold: float, row: RelatedList | None
) -> None:
    version = _version(items)
    if row is None:
        db.add(
            RelatedList(
                article_id=article_id,
                site_id=site.id,
                items=items,
                version=version,
                threshold=threshold,
                computed_at=utcnow(),
            )
        )
    elif row.version != version or row.threshold != threshold:
        row.items, row.version, row.threshold, row.computed_at = items, version, threshold, utcnow()


def _drop(db: Session, article_id: int, row: RelatedList | None) -> None:
    if row is not None:
        db.delete(row)
    db.execute(delete(RelatedLink).where(RelatedLink.article_id == article_id))
