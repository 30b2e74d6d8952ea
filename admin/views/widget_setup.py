"""The widget page: the embed code and what the page address must be, host aliases, and "test a page address"."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import HostAliasesForm
from articles.widget.page_check import check_page
from articles.widget.pages import embed_snippet
from articles.widget.raw_reads import Reader
from service import db as database
from service.errors import ApiError
from service.host_aliases import alias_lines
from service.site_options import apply_options, validate_options
from service.sites import Site

DEFAULT_LIMIT = 4
PAGE_ADDRESS_MAX = 2000


def _page(site: Site, form: HostAliasesForm, status: int = 200) -> Any:
    address = request.args.get("page", "").strip()[:PAGE_ADDRESS_MAX]
    limit = request.args.get("limit", DEFAULT_LIMIT, type=int) or DEFAULT_LIMIT
    limit = min(max(limit, 1), 20)
    result = None
    if address:
        with Reader() as reader:
            result = check_page(database.session(), reader, site, address, limit)
    return render_template(
        "admin/widget.html",
        form=form,
        snippet=embed_snippet(current_app.config["PUBLIC_BASE_URL"], site.slug),
        address=address,
        limit=limit,
        result=result,
        aliases=site.setting("host_aliases") or {},
    ), status


@bp.get("/<site>/widget")
@require_editor()
def widget_setup(site: Site) -> Any:
    return _page(site, HostAliasesForm(data={"host_aliases": alias_lines(site.setting("host_aliases") or {})}))


@bp.post("/<site>/widget/aliases")
@require_editor("admin")
def widget_aliases(site: Site) -> Any:
    form = HostAliasesForm()
    if not form.validate_on_submit():
        return _page(site, form, 422)
    db = database.session()
    try:
        apply_options(site, validate_options({"host_aliases": form.host_aliases.data or ""}))
    except ApiError as err:
        db.rollback()
        form.host_aliases.errors = [str(message) for message in err.fields.values()] or [err.message]
        return _page(site, form, err.status)
    db.commit()
    flash("Host aliases saved.", "success")
    return redirect(url_for("admin.widget_setup", site=site.slug))
