"""The admin pages, one module per page group, all routed on ``admin.blueprint.bp``."""

from admin.blueprint import bp
from admin.views import (
    articles,
    audit,
    clicks,
    dashboard,
    digests,
    editors,
    feeds,
    keys,
    related,
    session,
    settings,
    sites,
    subscriber_import,
    subscribers,
    synonyms,
    topics,
    widget_setup,
)

__all__ = [
    "bp",
    "articles",
    "audit",
    "clicks",
    "dashboard",
    "digests",
    "editors",
    "feeds",
    "keys",
    "related",
    "session",
    "settings",
    "sites",
    "subscriber_import",
    "subscribers",
    "synonyms",
    "topics",
    "widget_setup",
]
