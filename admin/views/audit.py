"""The audit log (administrators): who did what and when, filtered by kind; restoring an article's version."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.site_time import local_time
from articles import store
from service import audit
from service import db as database
from service.errors import ApiError
from service.sites import Site

PAGE = 50
KIND_LABELS = {
    "article": "Articles",
    "pin": "Pins",
    "block": "Blocks",
    "never_pair": "Never-pair rules",
    "settings": "Settings",
    "key": "API keys",
    "editor": "Editors",
    "erasure": "Erasures",
}


@bp.get("/<site>/audit")
@require_editor("admin")
def audit_log(site: Site) -> Any:
    kind = request.args.get("kind", "")
    kind = kind if kind in audit.KINDS else ""
    before_id = request.args.get("before", type=int)
    rows = audit.entries(database.session(), site.id, kind, before_id, PAGE + 1)
    older = rows[PAGE].id + 1 if len(rows) > PAGE else None
    return render_template(
        "admin/audit.html",
        rows=[(entry, local_time(entry.at, site)) for entry in rows[:PAGE]],
        kind=kind,
        kinds=KIND_LABELS,
        older=older,
        restorable=lambda e: e.kind == "article" and e.before is not None and e.subject_id is not None,
    )


@bp.post("/<site>/audit/<int:entry_id>/restore")
@require_editor("admin")
def audit_restore(site: Site, entry_id: int) -> Any:
    db = database.session()
    entry = audit.entry_of(db, site.id, entry_id)
    if entry is None or entry.kind != "article" or entry.before is None or entry.subject_id is None:
        abort(404, "No article version to restore here.")
    try:
        article = store.restore_version(db, site, entry.subject_id, entry.before)
    except ApiError as err:
        db.rollback()
        message = (
            "The article no longer exists." if err.status == 404 else f"That version cannot be restored: {err.message}"
        )
        flash(message, "error")
        return redirect(url_for("admin.audit_log", site=site.slug, kind="article"))
    db.commit()
    flash(f"“{article.title}” is back as it was before that change.", "success")
    return redirect(url_for("admin.audit_log", site=site.slug, kind="article"))
