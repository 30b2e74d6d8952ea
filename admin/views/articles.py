"""Articles: search and filter, add, edit with a sanitised preview, retire."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import ArticleForm
from admin.queries import SORTS, search_articles, site_categories, site_labels, site_sources
from admin.views.common import add_field_errors, apply_api_error
from articles import bulk_edit, queries, store
from articles.html import sanitize_html
from articles.models import STATUSES, Article
from articles.related import pending
from articles.schemas import ArticleIn, field_errors
from service import db as database
from service.errors import ApiError
from service.sites import Site


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _local(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if value else ""


def article_values(form: ArticleForm, guid: str | None = None) -> dict[str, Any]:
    """The form's values shaped as ``ArticleIn`` input."""
    return {
        "title": (form.title.data or "").strip(),
        "url": (form.url.data or "").strip(),
        "guid": guid,
        "summary": _blank_to_none(form.summary.data),
        "body_html": form.body_html.data or "",
        "author": _blank_to_none(form.author.data),
        "credit": _blank_to_none(form.credit.data),
        "image_url": _blank_to_none(form.image_url.data),
        "tags": _split(form.tags.data),
        "categories": _split(form.categories.data),
        "published_at": _blank_to_none(form.published_at.data),
        "medically_reviewed_at": _blank_to_none(form.medically_reviewed_at.data),
        "status": form.status.data,
    }


def form_initial(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "url": article.canonical_url,
        "summary": article.summary,
        "body_html": article.body_html,
        "author": article.author or "",
        "credit": article.credit or "",
        "image_url": article.image_url or "",
        "tags": ", ".join(article.tags),
        "categories": ", ".join(article.categories),
        "published_at": _local(article.published_at),
        "medically_reviewed_at": _local(article.medically_reviewed_at),
        "status": article.status,
    }


def _validated(form: ArticleForm, guid: str | None = None) -> ArticleIn | None:
    try:
        return ArticleIn.model_validate(article_values(form, guid))
    except ValidationError as exc:
        add_field_errors(form, field_errors(exc), fallback="title")
        return None


def _list_args() -> dict[str, str]:
    args = request.args
    return {
        "q": args.get("q", "").strip()[:200],
        "status": args.get("status", "") if args.get("status") in STATUSES else "",
        "category": args.get("category", "").strip()[:200],
        "tag": args.get("tag", "").strip()[:200],
        "source": args.get("source", "").strip()[:16],
        "sort": args.get("sort", "") if args.get("sort") in SORTS else "",
    }


@bp.get("/<site>/articles")
@require_editor()
def articles(site: Site) -> Any:
    db = database.session()
    filters = _list_args()
    page = request.args.get("page", "1")
    result = search_articles(
        db,
        site,
        filters["q"],
        filters["status"],
        filters["category"],
        int(page) if page.isdigit() else 1,
        tag=filters["tag"],
        source=filters["source"],
        sort=filters["sort"],
    )
    return render_template(
        "admin/articles.html",
        result=result,
        **filters,
        filters={name: value for name, value in filters.items() if value},
        statuses=STATUSES,
        categories=site_categories(db, site),
        tags=site_labels(db, site, "tag"),
        sources=site_sources(db, site),
        sorts=SORTS,
        actions=bulk_edit.ACTIONS,
    )


def _chosen_ids() -> list[int]:
    return [int(value) for value in request.form.getlist("ids") if value.isdigit() and len(value) <= 10]


@bp.post("/<site>/articles/bulk")
@require_editor()
def articles_bulk(site: Site) -> Any:
    """First post: a confirmation page naming every chosen article; the confirmed post applies the action."""
    db = database.session()
    action = request.form.get("action", "")
    tag = request.form.get("tag", "")
    back = request.form.get("back", "")
    back = back if back.startswith(f"/admin/{site.slug}/articles") else url_for("admin.articles", site=site.slug)
    try:
        chosen = bulk_edit.chosen_articles(db, site, _chosen_ids())
        if action not in bulk_edit.ACTIONS:
            raise ApiError(422, "invalid_fields", "Choose what to do with the articles.", {"action": "unknown"})
        tag = bulk_edit.check_tag(action, tag)
    except ApiError as err:
        flash(err.message, "error")
        return redirect(back)
    if request.form.get("confirmed") != "yes":
        return render_template(
            "admin/articles_bulk.html",
            chosen=chosen,
            action=action,
            label=bulk_edit.ACTIONS[action],
            tag=tag,
            back=back,
        )
    changed = bulk_edit.apply_bulk(db, site, chosen, action, tag)
    pending.settle(db, site, [a.id for a in chosen])
    db.commit()
    flash(f"{bulk_edit.ACTIONS[action]}: {changed} of {len(chosen)} articles changed.", "success")
    return redirect(back)


def _render_form(form: ArticleForm, article: Article | None, status: int = 200) -> Any:
    preview = sanitize_html(form.body_html.data or "") if "preview" in request.form else None
    return render_template("admin/article_form.html", form=form, article=article, preview=preview), status


#: told after a save whose related lists the background worker still has to update
_PENDING_NOTE = " Related reading updates within a minute."


@bp.route("/<site>/articles/new", methods=["GET", "POST"])
@require_editor()
def article_new(site: Site) -> Any:
    form = ArticleForm()
    if not form.validate_on_submit() or "preview" in request.form:
        return _render_form(form, None)
    data = _validated(form)
    if data is None:
        return _render_form(form, None, 422)
    db = database.session()
    existing = queries.find_by_url(db, site, data.url)
    if existing is not None:
        form.url.errors = [f"Article {existing.id} (“{existing.title}”) already has this address."]
        return _render_form(form, None, 409)
    result = store.upsert_article(db, site, data, source="admin")
    status = pending.settle(db, site, [result.article.id])
    db.commit()
    flash(f"Article “{result.article.title}” added.{_PENDING_NOTE if status == 'pending' else ''}", "success")
    return redirect(url_for("admin.article_edit", site=site.slug, article_id=result.article.id))


@bp.route("/<site>/articles/<int:article_id>", methods=["GET", "POST"])
@require_editor()
def article_edit(site: Site, article_id: int) -> Any:
    db = database.session()
    article = queries.get_article(db, site, article_id)
    form = ArticleForm(data=form_initial(article))
    if not form.validate_on_submit() or "preview" in request.form:
        return _render_form(form, article)
    data = _validated(form, article.guid)
    if data is None:
        return _render_form(form, article, 422)
    try:
        store.replace_article(db, site, article.id, data, source="admin")
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="title")
        return _render_form(form, article, err.status)
    status = pending.settle(db, site, [article.id])
    db.commit()
    flash(f"Changes saved.{_PENDING_NOTE if status == 'pending' else ''}", "success")
    return redirect(url_for("admin.article_edit", site=site.slug, article_id=article.id))


@bp.post("/<site>/articles/<int:article_id>/retire")
@require_editor()
def article_retire(site: Site, article_id: int) -> Any:
    db = database.session()
    article = store.retire_article(db, site, article_id)
    pending.settle(db, site, [article.id])
    db.commit()
    flash(f"“{article.title}” is retired: it no longer appears in widgets or digests.", "success")
    return redirect(url_for("admin.article_edit", site=site.slug, article_id=article_id))
