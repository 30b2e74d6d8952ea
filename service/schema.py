"""Every model module, imported so that the shared metadata knows all tables (migrations and tests use it)."""
from __future__ import annotations

import articles.clicks  # noqa: F401
import admin.models  # noqa: F401
import articles.feeds.models  # noqa: F401
import articles.models  # noqa: F401
import jobs.models  # noqa: F401
import newsletter.ledger  # noqa: F401
import newsletter.models  # noqa: F401
import service.auth  # noqa: F401
import service.sites  # noqa: F401
from service.db import Base

metadata = Base.metadata
