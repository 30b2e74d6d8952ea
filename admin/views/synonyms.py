"""Synonyms: the phrases the site's readers use and what they mean in its articles (digests and search)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from pydantic import ValidationError

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import SynonymForm
from admin.views.common import add_field_errors, apply_api_error
from articles.schemas import field_errors
from articles.synonyms import store
from articles.synonyms.models import SOURCES
from service import db as database
from service.errors import ApiError
from service.sites import Site

PAGE_SIZE = 100


def _page(site: Site, form: SynonymForm, status: int = 200) -> Any:
    source = request.args.get("source") if request.args.get("source") in SOURCES else None
    page = request.args.get("page", "1")
    page_number = max(1, int(page)) if page.isdigit() else 1
    rows, total = store.list_synonyms(database.session(), site, source, (page_number - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "admin/synonyms.html", form=form, rows=rows, total=total, page=page_number, pages=pages, source=source
    ), status


@bp.route("/<site>/synonyms", methods=["GET", "POST"])
@require_editor()
def synonyms(site: Site) -> Any:
    form = SynonymForm()
    if not form.validate_on_submit():
        return _page(site, form, 422 if form.is_submitted() else 200)
    try:
        data = store.SynonymIn(phrase=form.phrase.data or "", means=form.means.data or "")
    except ValidationError as exc:
        add_field_errors(form, field_errors(exc), fallback="phrase")
        return _page(site, form, 422)
    db = database.session()
    try:
        synonym = store.add_synonym(db, site, data)
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="phrase")
        return _page(site, form, err.status)
    db.commit()
    flash(f"“{synonym.phrase}” now means “{synonym.means}” in digests and search.", "success")
    return redirect(url_for("admin.synonyms", site=site.slug))


@bp.post("/<site>/synonyms/<int:synonym_id>/delete")
@require_editor()
def synonym_delete(site: Site, synonym_id: int) -> Any:
    db = database.session()
    try:
        store.delete_synonym(db, site, synonym_id)
    except ApiError as err:
        abort(err.status, err.message)
    db.commit()
    flash("Synonym removed.", "success")
    return redirect(url_for("admin.synonyms", site=site.slug))
