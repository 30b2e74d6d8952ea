"""An article's related links (score and why), pins and blocks; the site's never-pair rules."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import NeverPairForm, PinForm, required_text
from admin.views.common import apply_api_error
from articles import queries
from articles.models import Article
from articles.related import updates
from service import db as database
from service.errors import ApiError
from service.sites import Site

RULE_KINDS = {"pin": ("pins", updates.set_pins), "block": ("blocks", updates.set_blocks)}


def _related_page(site: Site, article: Article, pin_form: PinForm | None = None, status: int = 200) -> Any:
    db = database.session()
    rules = updates.rules_for(db, article)
    named = queries.articles_by_ids(db, site, rules["pins"] + rules["blocks"])
    return render_template(
        "admin/related.html",
        article=article,
        items=updates.related_items(db, site, article, limit=20),
        pinned=[named[i] for i in rules["pins"] if i in named],
        blocked=[named[i] for i in rules["blocks"] if i in named],
        pin_ids=set(rules["pins"]),
        pin_form=pin_form or PinForm(),
    ), status


@bp.get("/<site>/articles/<int:article_id>/related")
@require_editor()
def article_related(site: Site, article_id: int) -> Any:
    return _related_page(site, queries.get_article(database.session(), site, article_id))


def _change_rule(site: Site, article: Article, kind: str, target_id: int, add: bool) -> None:
    """Add ``target_id`` to (or take it from) the article's pins or blocks, through the related module."""
    db = database.session()
    key, setter = RULE_KINDS[kind]
    current = updates.rules_for(db, article)[key]
    wanted = [*current, target_id] if add and target_id not in current else [i for i in current if i != target_id]
    setter(db, site, article, wanted)
    db.commit()


@bp.post("/<site>/articles/<int:article_id>/related/<any(pin,block):kind>/<int:target_id>/<any(add,remove):change>")
@require_editor()
def article_rule(site: Site, article_id: int, kind: str, target_id: int, change: str) -> Any:
    db = database.session()
    article = queries.get_article(db, site, article_id)
    target = queries.get_article(db, site, target_id)
    try:
        _change_rule(site, article, kind, target.id, change == "add")
    except ApiError as err:
        db.rollback()
        flash(err.message, "error")
    else:
        verb = {
            ("pin", "add"): "pinned",
            ("pin", "remove"): "unpinned",
            ("block", "add"): "blocked",
            ("block", "remove"): "unblocked",
        }[(kind, change)]
        flash(f"“{target.title}” {verb}.", "success")
    return redirect(url_for("admin.article_related", site=site.slug, article_id=article_id))


@bp.post("/<site>/articles/<int:article_id>/related/pin")
@require_editor()
def article_pin_by_number(site: Site, article_id: int) -> Any:
    """Pin an article that is not in the list, by its number."""
    db = database.session()
    article = queries.get_article(db, site, article_id)
    form = PinForm()
    if not form.validate_on_submit():
        return _related_page(site, article, form, 422)
    target = db.get(Article, int(required_text(form.target_id)))
    if target is None or target.site_id != site.id or target.id == article.id:
        form.target_id.errors = [f"There is no other article {form.target_id.data} on this site."]
        return _related_page(site, article, form, 422)
    try:
        _change_rule(site, article, "pin", target.id, True)
    except ApiError as err:
        db.rollback()
        form.target_id.errors = [err.message]
        return _related_page(site, article, form, err.status)
    flash(f"“{target.title}” pinned.", "success")
    return redirect(url_for("admin.article_related", site=site.slug, article_id=article_id))


def _never_pair_page(site: Site, form: NeverPairForm, status: int = 200) -> Any:
    rules = updates.list_never_pairs(database.session(), site)
    return render_template("admin/never_pairs.html", form=form, rules=rules), status


@bp.route("/<site>/never-pair", methods=["GET", "POST"])
@require_editor()
def never_pairs(site: Site) -> Any:
    form = NeverPairForm()
    if not form.validate_on_submit():
        return _never_pair_page(site, form, 422 if form.is_submitted() else 200)
    db = database.session()
    try:
        rule = updates.add_never_pair(db, site, form.tag_a.data, form.tag_b.data)
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="tag_b")
        return _never_pair_page(site, form, err.status)
    db.commit()
    flash(f"Articles tagged “{rule.tag_a}” and “{rule.tag_b}” will not be shown together.", "success")
    return redirect(url_for("admin.never_pairs", site=site.slug))


@bp.post("/<site>/never-pair/<int:rule_id>/delete")
@require_editor()
def never_pair_delete(site: Site, rule_id: int) -> Any:
    db = database.session()
    updates.remove_never_pair(db, site, rule_id)
    db.commit()
    flash("Rule removed.", "success")
    return redirect(url_for("admin.never_pairs", site=site.slug))
