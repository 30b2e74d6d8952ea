"""Changing a site's options so they take effect at once: lists recomputed in the background when needed.

Options that shape related lists (minimum score, variety, review age, the fallback) queue every article of
the site in ``related_pending``; the drainer recomputes their lists within seconds (a site with more queued
articles than ``pending.REFIT_PENDING`` is handled by one refit). New field weights also mark the site's
index state ``refit_wanted``, so the drainer fits a fresh index with them before it recomputes the lists;
until it has, readers (search, previews, digests) keep the stored index rather than fitting one themselves.
While the site's queue is not empty its lists are "updating" (:func:`lists_state`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from articles.models import Article
from articles.related.models import RelatedIndexState, RelatedPending
from articles.related.pending import backlog
from service import audit
from service.db import UTCDateTime, utcnow
from service.site_options import OPTIONS, apply_options, validate_options
from service.sites import Site

ListsState = Literal["current", "updating"]


def queue_whole_site(db: Session, site: Site) -> None:
    """Queue every article of the site for the drainer, in one statement (no rows pass through Python)."""
    rows = select(literal(site.id), Article.id, literal(utcnow(), UTCDateTime())).where(Article.site_id == site.id)
    db.execute(
        insert(RelatedPending).from_select(
            [RelatedPending.site_id, RelatedPending.article_id, RelatedPending.queued_at], rows
        )
    )


def apply_checked(db: Session, site: Site, clean: Mapping[str, Any]) -> set[str]:
    """Store checked option values and queue what they change; returns the names that changed. Flushes."""
    before = {name: site.setting(name) for name in clean}
    changed = apply_options(site, clean)
    if changed:
        audit.record(
            db,
            site.id,
            "settings",
            "changed",
            ", ".join(sorted(changed)),
            before={name: before[name] for name in sorted(changed)},
            after={name: site.setting(name) for name in sorted(changed)},
        )
    effects = {OPTIONS[name].lists for name in changed if name in OPTIONS}
    if "refit" in effects:
        db.execute(update(RelatedIndexState).where(RelatedIndexState.site_id == site.id).values(refit_wanted=True))
    if effects & {"refit", "recompute"}:
        queue_whole_site(db, site)
    db.flush()
    return changed


def change_options(db: Session, site: Site, values: Mapping[str, Any]) -> set[str]:
    """Check ``values`` (a 422 naming every bad one, nothing saved) and apply them; returns the changed names.

    Field weights left out of a ``field_weights`` object keep their current values.
    """
    weights = values.get("field_weights")
    if isinstance(weights, Mapping) and weights:
        values = {**values, "field_weights": {**site.setting("field_weights"), **weights}}
    return apply_checked(db, site, validate_options(values))


def lists_state(db: Session, site: Site) -> tuple[ListsState, int]:
    """Whether the site's related lists are being recomputed, and how many articles still wait."""
    waiting = backlog(db, site)
    return ("updating" if waiting else "current"), waiting
