"""The widget page: the embed code and what the page address must be, host aliases, and "test a page address"."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import WidgetOptionsForm
from articles.widget.page_check import check_page
from articles.widget.pages import embed_snippet
from articles.widget.raw_reads import Reader
from service import db as database
from service.errors import ApiError
from service.host_aliases import alias_lines
from service.site_options import apply_options, validate_options
from service.sites import Site

PAGE_ADDRESS_MAX = 2000


def _page(site: Site, form: WidgetOptionsForm, status: int = 200) -> Any:
    address = request.args.get("page", "").strip()[:PAGE_ADDRESS_MAX]
    limit = request.args.get("limit", type=int) or int(site.setting("widget_limit"))
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
    initial = {
        "widget_limit": str(site.setting("widget_limit")),
        "host_aliases": alias_lines(site.setting("host_aliases") or {}),
    }
    return _page(site, WidgetOptionsForm(data=initial))


@bp.post("/<site>/widget/options")
@require_editor("admin")
def widget_options(site: Site) -> Any:
    form = WidgetOptionsForm()
    if not form.validate_on_submit():
        return _page(site, form, 422)
    db = database.session()
    try:
        values = {"widget_limit": (form.widget_limit.data or "").strip(), "host_aliases": form.host_aliases.data or ""}
        apply_options(site, validate_options(values))
    except ApiError as err:
        db.rollback()
        for name, message in err.fields.items():
            form[name].errors = [str(message)]
        return _page(site, form, err.status)
    db.commit()
    flash("Widget options saved.", "success")
    return redirect(url_for("admin.widget_setup", site=site.slug))
