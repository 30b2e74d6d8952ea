"""A before/after of one article's similar articles for field weights an editor is trying out.

"Before" is the article's nearest articles in the site's current index; "after" ranks a pool of its
:data:`POOL` nearest with the proposed weights (``recommender.reweigh``): one article, computed on demand,
no refit. Both are raw similarity, before editors' pins, blocks and the site's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from articles.models import Article
from articles.related import index_cache
from recommender.reweigh import reweighed_related
from service.sites import Site

#: candidates ranked with the proposed weights: the article's nearest under the current ones
POOL = 500


@dataclass(frozen=True)
class PreviewLink:
    id: int
    title: str
    score: float


@dataclass(frozen=True)
class WeightsPreview:
    before: list[PreviewLink]
    after: list[PreviewLink]


def preview_weights(
    db: Session, site: Site, article_id: int, weights: Mapping[str, float], k: int = 10
) -> WeightsPreview | None:
    """The article's ``k`` most similar articles now and with ``weights``; None when it is not indexed."""
    index = index_cache.read_index(db, site)
    if index is None or article_id not in index:
        return None
    before = index.related(article_id, k)
    pool = [n.id for n in index.related(article_id, POOL)]
    docs = {d.id: d for d in index_cache.published_documents(db, site.id, [article_id, *pool])}
    if article_id not in docs:
        return None
    after = reweighed_related(index, docs[article_id], [docs[i] for i in pool if i in docs], weights, k)
    ids = [n.id for n in before] + [n.id for n in after]
    titles = dict(db.execute(select(Article.id, Article.title).where(Article.id.in_(ids))).tuples().all())
    return WeightsPreview(
        before=[PreviewLink(n.id, titles.get(n.id, ""), round(n.score, 3)) for n in before],
        after=[PreviewLink(n.id, titles.get(n.id, ""), round(n.score, 3)) for n in after],
    )
