"""The admin pages, one module per page group, all routed on ``admin.blueprint.bp``."""

from admin.blueprint import bp
from admin.views import (
    articles,
    clicks,
    dashboard,
    digests,
    editors,
    feeds,
    keys,
    related,
    session,
    settings,
    subscribers,
    synonyms,
    topics,
    widget_setup,
)

__all__ = [
    "bp",
    "articles",
    "clicks",
    "dashboard",
    "digests",
    "editors",
    "feeds",
    "keys",
    "related",
    "session",
    "settings",
    "subscribers",
    "synonyms",
    "topics",
    "widget_setup",
]
