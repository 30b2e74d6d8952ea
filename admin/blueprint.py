"""The admin blueprint and its navigation (``NAV``); the pages themselves live in ``admin/views/``.

To add a page group: write ``admin/views/<group>.py`` with its routes on ``bp``, import it in
``admin/views/__init__.py``, and add a ``NavItem`` to ``NAV``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g

from admin.auth import current_editor


@dataclass(frozen=True)
class NavItem:
    endpoint: str  # takes only ``site``
    label: str
    role: str = "editor"  # "admin": shown to administrators only
    section: str = ""  # the endpoint prefix that marks the item current (defaults to endpoint)


NAV: list[NavItem] = [
    NavItem("admin.dashboard", "Dashboard"),
    NavItem("admin.articles", "Articles", section="admin.article"),
    NavItem("admin.never_pairs", "Never-pair rules", section="admin.never_pair"),
    NavItem("admin.synonyms", "Synonyms", section="admin.synonym"),
    NavItem("admin.feeds", "Feeds", section="admin.feed"),
    NavItem("admin.topics", "Reader topics", section="admin.topic"),
    NavItem("admin.subscribers", "Subscribers", section="admin.subscriber"),
    NavItem("admin.digests", "Digests", section="admin.digest"),
    NavItem("admin.clicks", "Clicks", section="admin.clicks"),
    NavItem("admin.widget_setup", "Widget", section="admin.widget_"),
    NavItem("admin.settings", "Site settings", role="admin"),
    NavItem("admin.keys", "API keys", role="admin", section="admin.key"),
    NavItem("admin.editors", "Editors", role="admin", section="admin.editor"),
    NavItem("admin.audit_log", "Audit log", role="admin", section="admin.audit"),
]

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.context_processor
def _layout_context() -> dict[str, Any]:
    editor = current_editor()
    items = [item for item in NAV if editor is not None and (item.role == "editor" or editor.is_admin)]
    return {"editor": editor, "site": g.get("site"), "nav": items}


@bp.after_request
def _no_store(response: Any) -> Any:
    """Admin pages show private data (and keys once): never cache them."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
