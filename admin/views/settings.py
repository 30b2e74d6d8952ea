"""Site settings (administrators): widget origins, email branding, related-links options, the widget snippet."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import SettingsForm, required_text
from admin.site_settings import options_of, update_site
from admin.views.common import apply_api_error
from articles.models import Article
from service import db as database
from service.errors import ApiError
from service.sites import Site

PREVIEW_CHOICES = 200


def _initial(site: Site) -> dict[str, Any]:
    return {
        "allowed_origins": "\n".join(site.allowed_origins or []),
        "logo_url": site.logo_url or "",
        "brand_colour": site.brand_colour,
        "postal_address": site.postal_address or "",
        "from_email": site.from_email or "",
        "reply_to": site.reply_to or "",
        "website_url": site.setting("website_url") or "",
        "medical_disclaimer": site.setting("medical_disclaimer") or "",
        "privacy_url": site.setting("privacy_url") or "",
        "default_time_zone": site.setting("default_time_zone"),
        **options_of(site),
    }


def _snippet(site: Site) -> str:
    from articles.widget.pages import embed_snippet

    return str(embed_snippet(current_app.config["PUBLIC_BASE_URL"], site.slug))


def _preview(site: Site) -> dict[str, Any]:
    """Articles to choose from for the live preview, and the chosen one's widget address."""
    db = database.session()
    choices = list(
        db.execute(
            select(Article.id, Article.title, Article.canonical_url)
            .where(Article.site_id == site.id, Article.status == "published")
            .order_by(Article.title)
            .limit(PREVIEW_CHOICES)
        )
    )
    chosen = request.args.get("preview", type=int)
    current = next((c for c in choices if c.id == chosen), choices[0] if choices else None)
    src = None
    if current is not None and "widget" in current_app.blueprints:
        src = url_for("widget.fragment", slug=site.slug, url=current.canonical_url)
    return {"choices": choices, "current": current, "src": src}


def _page(site: Site, form: SettingsForm, status: int = 200) -> Any:
    return render_template("admin/settings.html", form=form, snippet=_snippet(site), preview=_preview(site)), status


@bp.route("/<site>/settings", methods=["GET", "POST"])
@require_editor("admin")
def settings(site: Site) -> Any:
    form = SettingsForm(data=_initial(site))
    if not form.validate_on_submit():
        return _page(site, form, 422 if form.is_submitted() else 200)
    db = database.session()
    try:
        update_site(
            db,
            site,
            allowed_origins=(form.allowed_origins.data or "").split(),
            logo_url=(form.logo_url.data or "").strip() or None,
            brand_colour=required_text(form.brand_colour),
            postal_address=form.postal_address.data or "",
            from_email=form.from_email.data or None,
            reply_to=form.reply_to.data or None,
            options={"related_fallback": form.related_fallback.data, "click_counting": form.click_counting.data},
            site_options={
                "website_url": form.website_url.data or "",
                "medical_disclaimer": form.medical_disclaimer.data or "",
                "privacy_url": form.privacy_url.data or "",
                "default_time_zone": (form.default_time_zone.data or "").strip() or "UTC",
            },
        )
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="allowed_origins")
        return _page(site, form, err.status)
    db.commit()
    flash("Settings saved.", "success")
    return redirect(url_for("admin.settings", site=site.slug))
