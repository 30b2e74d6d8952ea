"""Articles as JSON for the editors' API."""

from __future__ import annotations

from typing import Any

from articles.models import Article
from service.dates import iso


def article_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.canonical_url,
        "guid": article.guid,
        "title": article.title,
        "summary": article.summary,
        "body_html": article.body_html,
        "author": article.author,
        "credit": article.credit,
        "image_url": article.image_url,
        "tags": article.tags,
        "categories": article.categories,
        "published_at": iso(article.published_at),
        "updated_at": iso(article.updated_at),
        "medically_reviewed_at": iso(article.medically_reviewed_at),
        "status": article.status,
        "source": article.source,
        "content_hash": article.content_hash,
    }
