"""Importing subscribers from a CSV file (administrators): a dry run first, then the import; a large file is
queued for the ``import_subscribers`` job and its page shows the progress (it reloads itself until done)."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import SubscriberImportForm
from newsletter.import_jobs import INLINE_ROWS, get_import, start_import
from newsletter.subscriber_import import COUNTS
from service import db as database
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site


@bp.route("/<site>/subscribers/import", methods=["GET", "POST"])
@require_editor("admin")
def subscriber_import(site: Site) -> Any:
    form = SubscriberImportForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            text = data.decode("utf-8")
            if "\x00" in text:
                raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL character")
            db = database.session()
            record = start_import(db, site, text, bool(form.dry_run.data), utcnow(), f"admin:{g.editor.id}")
            db.commit()
            return redirect(url_for("admin.subscriber_import_status", site=site.slug, import_id=record.id))
        except UnicodeDecodeError:
            form.file.errors = ["The file must be UTF-8 text: save the CSV as UTF-8 and try again."]
        except ApiError as err:
            form.file.errors = [err.message]
    status = 422 if form.errors else 200
    return render_template("admin/subscriber_import.html", form=form, inline_rows=INLINE_ROWS), status


@bp.get("/<site>/subscribers/imports/<int:import_id>")
@require_editor("admin")
def subscriber_import_status(site: Site, import_id: int) -> Any:
    record = get_import(database.session(), site, import_id)
    return render_template("admin/subscriber_import_status.html", record=record, counts=COUNTS)
