"""Every model module, imported so that the shared metadata knows all tables (Alembic and tests use it)."""

from __future__ import annotations

import admin.models
import articles.feeds.models
import articles.models
import articles.related.models
import articles.related.scheduled
import articles.synonyms.models
import articles.widget.click_days
import articles.widget.clicks
import articles.widget.replays
import jobs.models
import newsletter.digests.ledger
import newsletter.import_models
import newsletter.models
import newsletter.reading
import service.audit
import service.auth
import service.rate_limits
import service.sites
from service.db import Base

MODEL_MODULES = (
    admin.models,
    articles.feeds.models,
    articles.models,
    articles.related.models,
    articles.related.scheduled,
    articles.synonyms.models,
    articles.widget.click_days,
    articles.widget.clicks,
    articles.widget.replays,
    jobs.models,
    newsletter.digests.ledger,
    newsletter.import_models,
    newsletter.models,
    newsletter.reading,
    service.audit,
    service.auth,
    service.sites,
)

metadata = Base.metadata
