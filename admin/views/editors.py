"""Editors of the site (administrators): list, add, disable and re-enable."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, url_for

from admin import auth
from admin.blueprint import bp
from admin.forms import EditorForm, required_text
from admin.views.common import apply_api_error
from service import db as database
from service.errors import ApiError
from service.sites import Site


def _page(site: Site, form: EditorForm, status: int = 200) -> Any:
    editors = auth.site_editors(database.session(), site)
    return render_template("admin/editors.html", form=form, editors=editors), status


@bp.route("/<site>/editors", methods=["GET", "POST"])
@auth.require_editor("admin")
def editors(site: Site) -> Any:
    form = EditorForm()
    if not form.validate_on_submit():
        return _page(site, form, 422 if form.is_submitted() else 200)
    db = database.session()
    try:
        editor = auth.create_editor(
            db, site, required_text(form.email), required_text(form.password), form.role.data, form.name.data or ""
        )
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="email")
        return _page(site, form, err.status)
    db.commit()
    flash(f"{editor.email} can now sign in as {editor.role}. Give them the password in person or by phone.", "success")
    return redirect(url_for("admin.editors", site=site.slug))


@bp.post("/<site>/editors/<int:editor_id>/<any(disable,enable):change>")
@auth.require_editor("admin")
def editor_toggle(site: Site, editor_id: int, change: str) -> Any:
    db = database.session()
    editor = auth.set_disabled(db, site, editor_id, change == "disable", g.editor)
    db.commit()
    flash(f"{editor.email} {'can no longer' if change == 'disable' else 'can again'} sign in.", "success")
    return redirect(url_for("admin.editors", site=site.slug))
