"""API keys (administrators): create (the key is shown once) and revoke."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import KeyForm
from service import db as database
from service.auth import ApiKey, create_api_key, revoke_api_key
from service.sites import Site


def _page(site: Site, form: KeyForm, new_key: str | None = None, status: int = 200) -> Any:
    keys = database.session().scalars(select(ApiKey).where(ApiKey.site_id == site.id).order_by(ApiKey.id.desc()))
    return render_template("admin/keys.html", form=form, keys=list(keys), new_key=new_key), status


@bp.get("/<site>/keys")
@require_editor("admin")
def keys(site: Site) -> Any:
    return _page(site, KeyForm())


@bp.post("/<site>/keys")
@require_editor("admin")
def key_create(site: Site) -> Any:
    form = KeyForm()
    if not form.validate_on_submit():
        return _page(site, form, status=422)
    db = database.session()
    key, plain = create_api_key(db, site, (form.name.data or "").strip(), form.scopes())
    db.commit()
    # shown on this response only (never stored, never redirected through a URL or the session)
    return _page(site, KeyForm(formdata=None), new_key=plain, status=201)


@bp.post("/<site>/keys/<int:key_id>/revoke")
@require_editor("admin")
def key_revoke(site: Site, key_id: int) -> Any:
    db = database.session()
    key = db.get(ApiKey, key_id)
    if key is None or key.site_id != site.id:
        abort(404, f"No API key {key_id} on this site.")
    revoke_api_key(db, key_id)
    db.commit()
    flash(f"Key {key.name or key.prefix} revoked: requests using it are now refused.", "success")
    return redirect(url_for("admin.keys", site=site.slug))
