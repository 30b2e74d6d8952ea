"""Site settings (administrators): widget origins, email branding, related-links options, the widget snippet."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import SettingsForm
from admin.queries import search_articles
from admin.site_settings import update_site
from admin.views.common import apply_api_error
from articles.models import Article
from articles.related.weights_preview import WeightsPreview, preview_weights
from articles.site_options import lists_state
from service import db as database
from service.errors import ApiError
from service.site_options import OPTIONS, check_field_weights
from service.sites import FIELD_NAMES, Site

#: options shown as text boxes (the rest of OPTIONS are check boxes, or have their own fields)
TEXT_OPTIONS = (
    "related_min_score",
    "related_diversity",
    "related_reviewed_within_months",
    "digest_max_items",
    "digest_min_score",
    "unsubscribe_mailto",
    "website_url",
    "medical_disclaimer",
    "privacy_url",
    "default_time_zone",
)
FLAG_OPTIONS = (
    "related_fallback",
    "click_counting",
    "digest_send_newest_anyway",
    "overwrite_editor_edits",
    "store_consent_ip",
)

PREVIEW_CHOICES = 200
PREVIEW_FOUND = 50  # search results offered in the preview's picker


class PreviewChoice(NamedTuple):
    id: int
    title: str
    canonical_url: str


def _shown(value: Any) -> Any:
    """An option's value as its text box shows it (None: empty)."""
    return "" if value is None else value


def _initial(site: Site) -> dict[str, Any]:
    weights = site.setting("field_weights")
    return {
        "allowed_origins": "\n".join(site.allowed_origins or []),
        "logo_url": site.logo_url or "",
        "brand_colour": site.brand_colour,
        "postal_address": site.postal_address or "",
        "from_email": site.from_email or "",
        "reply_to": site.reply_to or "",
        **{name: _shown(site.setting(name)) for name in TEXT_OPTIONS},
        **{name: bool(site.setting(name)) for name in FLAG_OPTIONS},
        **{f"weight_{part}": f"{float(weights[part]):g}" for part in FIELD_NAMES},
    }


def _submitted_options(form: SettingsForm) -> dict[str, Any]:
    values: dict[str, Any] = {name: form[name].data or "" for name in TEXT_OPTIONS}
    values.update({name: bool(form[name].data) for name in FLAG_OPTIONS})
    values["field_weights"] = {part: form[f"weight_{part}"].data or "" for part in FIELD_NAMES}
    return values


def _weight_errors_on_fields(err: ApiError) -> ApiError:
    """A field-weights error shown beside the weight it names (the first one when it names none)."""
    message = err.fields.get("field_weights")
    if message is None:
        return err
    part = next((p for p in FIELD_NAMES if p in str(message)), FIELD_NAMES[0])
    fields = {name: text for name, text in err.fields.items() if name != "field_weights"}
    fields[f"weight_{part}"] = message
    return ApiError(err.status, err.code, err.message, fields)


def _snippet(site: Site) -> str:
    from articles.widget.pages import embed_snippet

    return str(embed_snippet(current_app.config["PUBLIC_BASE_URL"], site.slug))


def _preview(site: Site) -> dict[str, Any]:
    """Articles to choose from for the live preview, and the chosen one's widget address.

    Without a search the first ``PREVIEW_CHOICES`` titles are offered; ``preview_q`` searches every published
    article the way the articles list does (title, summary and body); ``preview`` may name any published article.
    """
    db = database.session()
    q = (request.args.get("preview_q") or "").strip()[:200]
    columns = (Article.id, Article.title, Article.canonical_url)
    if q:
        found = search_articles(db, site, q, status="published", page_size=PREVIEW_FOUND).items
        choices = [PreviewChoice(a.id, a.title, a.canonical_url) for a in found]
    else:
        rows = db.execute(
            select(*columns)
            .where(Article.site_id == site.id, Article.status == "published")
            .order_by(Article.title)
            .limit(PREVIEW_CHOICES)
        )
        choices = [PreviewChoice(*row) for row in rows]
    chosen = request.args.get("preview", type=int)
    current = next((c for c in choices if c.id == chosen), None)
    if current is None and chosen is not None:
        row = db.execute(
            select(*columns).where(Article.id == chosen, Article.site_id == site.id, Article.status == "published")
        ).first()
        if row is not None:
            current = PreviewChoice(*row)
            choices.insert(0, current)
    if current is None and not q:
        current = choices[0] if choices else None
    src = None
    if current is not None and "widget" in current_app.blueprints:
        src = url_for("widget.fragment", slug=site.slug, url=current.canonical_url)
    has_articles = (
        bool(choices)
        or db.scalar(select(Article.id).where(Article.site_id == site.id, Article.status == "published").limit(1))
        is not None
    )
    return {"choices": choices, "current": current, "src": src, "q": q, "has_articles": has_articles}


def _weights_trial(site: Site, choices: list[Any]) -> dict[str, Any]:
    """The "try field weights on one article" box: the article, the weights typed, and the before/after."""
    current = site.setting("field_weights")
    typed = {part: request.args.get(f"try_{part}", f"{float(current[part]):g}") for part in FIELD_NAMES}
    chosen = request.args.get("try_article", type=int)
    trial: dict[str, Any] = {"typed": typed, "article": chosen, "error": None, "result": None, "choices": choices}
    if chosen is None:
        return trial
    try:
        weights = check_field_weights(typed)
    except ValueError as exc:
        trial["error"] = str(exc)
        return trial
    result: WeightsPreview | None = preview_weights(database.session(), site, chosen, weights)
    if result is None:
        trial["error"] = "That article is not published, or its related links are still being computed."
    trial["result"] = result
    return trial


def _page(site: Site, form: SettingsForm, status: int = 200) -> Any:
    state, waiting = lists_state(database.session(), site)
    preview = _preview(site)
    return (
        render_template(
            "admin/settings.html",
            form=form,
            snippet=_snippet(site),
            preview=preview,
            trial=_weights_trial(site, preview["choices"]),
            lists_state=state,
            lists_waiting=waiting,
            options=OPTIONS,
            weight_parts=FIELD_NAMES,
        ),
        status,
    )


@bp.route("/<site>/settings", methods=["GET", "POST"])
@require_editor("admin")
def settings(site: Site) -> Any:
    form = SettingsForm(data=_initial(site))
    if not form.validate_on_submit():
        return _page(site, form, 422 if form.is_submitted() else 200)
    db = database.session()
    try:
        changed = update_site(
            db,
            site,
            allowed_origins=(form.allowed_origins.data or "").split(),
            logo_url=(form.logo_url.data or "").strip() or None,
            brand_colour=(form.brand_colour.data or "").strip(),
            postal_address=form.postal_address.data or "",
            from_email=form.from_email.data or None,
            reply_to=form.reply_to.data or None,
            site_options=_submitted_options(form),
        )
    except ApiError as err:
        db.rollback()
        apply_api_error(form, _weight_errors_on_fields(err), fallback="allowed_origins")
        return _page(site, form, err.status)
    db.commit()
    recomputing = any(OPTIONS[name].lists for name in changed)
    flash(
        "Settings saved. Related lists are being updated in the background." if recomputing else "Settings saved.",
        "success",
    )
    return redirect(url_for("admin.settings", site=site.slug))
