""" "Test a page address": what the widget would show on a page, and why, in words an editor can act on.

It goes through the widget's own lookup (``find_source``: spellings, host aliases, published only), so the
answer is what a reader's browser gets; when nothing is found it looks for the reason (an article with
that address that is a draft or retired, or one with the same path on another host).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from articles.models import Article
from articles.urls import InvalidUrl, url_key
from articles.widget.lookup import NotServed, find_source, public_items, stored_items
from articles.widget.raw_reads import Reader
from service.host_aliases import resolve_key
from service.sites import Site

SIMILAR_PATHS = 3


@dataclass
class PageCheck:
    """The outcome for one page address; ``problem`` is None when the widget shows a list."""

    url: str
    key: str = ""
    problem: str | None = None
    fixes: list[str] = field(default_factory=list)
    alias_used: str | None = None  # the canonical host the page's alias host was mapped to
    article: dict[str, Any] | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    origin: str = ""
    origin_allowed: bool = False


def _host(key: str) -> str:
    return key.split("/", 1)[0].split("?", 1)[0]


def _same_path_elsewhere(db: Session, site: Site, key: str) -> list[Article]:
    host = _host(key)
    rest = key[len(host) :]
    if not rest or rest == "/":
        return []
    return list(
        db.scalars(
            select(Article)
            .where(Article.site_id == site.id, Article.url_key.endswith(rest, autoescape=True))
            .order_by(Article.status != "published", Article.id)
            .limit(SIMILAR_PATHS)
        )
    )


def _explain_missing(db: Session, site: Site, result: PageCheck) -> None:
    aliases = site.setting("host_aliases") or {}
    keys = [result.key, *filter(None, [resolve_key(result.key, aliases)])]
    held = db.scalars(select(Article).where(Article.site_id == site.id, Article.url_key.in_(keys)).limit(1)).first()
    if held is not None:
        result.problem = (
            f"The article “{held.title}” has this address but is {held.status}: widgets show nothing for it."
        )
        result.fixes.append("Publish the article to show its related reading.")
        return
    result.problem = "No article of this site has this address, so the widget shows nothing on this page."
    page_host = _host(result.key)
    for other in _same_path_elsewhere(db, site, result.key):
        other_host = _host(other.url_key)
        if other_host != page_host:
            result.fixes.append(
                f"The article “{other.title}” has the same path on {other_host}: if {page_host} is a staging or"
                f" www copy of that site, add the host alias “{page_host} = {other_host}”."
            )
    result.fixes.append(
        'Give the block data-url="the article\'s address as imported" (or the page a canonical link with it).'
    )
    result.fixes.append("Import the page as an article (Articles, Feeds or the API) if it is not there yet.")


def check_page(db: Session, reader: Reader, site: Site, url: str, limit: int) -> PageCheck:
    """What the widget shows for site ``site`` on the page at ``url`` (up to ``limit`` links), and why."""
    result = PageCheck(url=url)
    try:
        result.key = url_key(url)
    except InvalidUrl:
        result.problem = "This is not a full page address: it must start with https:// (or http://)."
        return result
    parts = urlsplit(url.strip())
    result.origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
    result.origin_allowed = result.origin in (site.allowed_origins or [])
    try:
        source = find_source(reader, site.slug, url=url)
    except NotServed:
        _explain_missing(db, site, result)
        return result
    source_key = url_key(source.url)
    if _host(source_key) != _host(result.key):
        result.alias_used = _host(source_key)
    result.article = {"id": source.id, "title": source.title, "url": source.url}
    result.items = public_items(stored_items(reader, source), limit)
    if not result.items:
        result.problem = "The article has no related links yet, so the widget stays empty on this page."
    return result
