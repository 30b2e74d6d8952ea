"""Creating another clinic (site) from the admin pages (administrators), with its first administrator."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for

from admin import auth
from admin.blueprint import bp
from admin.forms import NewSiteForm, required_text
from admin.views.common import apply_api_error
from service import audit
from service import db as database
from service.errors import ApiError
from service.sites import Site, create_site


@bp.route("/<site>/sites/new", methods=["GET", "POST"])
@auth.require_editor("admin")
def site_new(site: Site) -> Any:
    form = NewSiteForm()
    if not form.validate_on_submit():
        return render_template("admin/site_new.html", form=form), 422 if form.is_submitted() else 200
    db = database.session()
    try:
        created = create_site(db, required_text(form.slug).strip(), required_text(form.name))
        first = auth.create_editor(
            db, created, required_text(form.admin_email), required_text(form.admin_password), "admin"
        )
    except ApiError as err:
        db.rollback()
        fields = {"invalid_slug": "slug", "site_exists": "slug", "invalid_name": "name"}
        target = fields.get(err.code, "admin_email" if err.code in ("invalid_email", "editor_exists") else "")
        if target:
            err = ApiError(err.status, err.code, err.message, {target: err.message})
        apply_api_error(form, err, fallback="slug")
        return render_template("admin/site_new.html", form=form), err.status
    audit.record(db, site.id, "settings", "site created", f"{created.name} ({created.slug}), first admin {first.email}")
    db.commit()
    flash(f"{created.name} is created. {first.email} can sign in to it as its administrator.", "success")
    return redirect(url_for("admin.site_new", site=site.slug))
