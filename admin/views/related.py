"""An article's related links (reasons in words, the widget's cut-off), pins by title in order, blocks, undo;
the site's never-pair rules."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import NeverPairForm, PinForm, required_text
from admin.queries import title_candidates
from admin.views.common import apply_api_error
from articles import queries
from articles.models import Article
from articles.related import updates
from articles.widget.click_days import Period, link_counts
from service import db as database
from service.errors import ApiError
from service.sites import Site

RULE_KINDS = {"pin": ("pins", updates.set_pins), "block": ("blocks", updates.set_blocks)}
DONE = {
    ("pin", "add"): "pinned",
    ("pin", "remove"): "unpinned",
    ("block", "add"): "blocked",
    ("block", "remove"): "unblocked",
}
UNDO = {"add": "remove", "remove": "add"}
SEARCH_MAX = 200
CLICK_DAYS = 30


def _undo(site: Site, article: Article) -> dict[str, Any] | None:
    """The last change named in the address (``?done=pin-add-12``), to offer its inverse as "Undo"."""
    kind, _, rest = request.args.get("done", "").partition("-")
    change, _, target = rest.partition("-")
    if (kind, change) not in DONE or not target.isdigit():
        return None
    named = queries.articles_by_ids(database.session(), site, [int(target)])
    if int(target) not in named:
        return None
    return {"kind": kind, "change": UNDO[change], "target": named[int(target)], "done": DONE[(kind, change)]}


def _related_page(
    site: Site,
    article: Article,
    pin_form: PinForm | None = None,
    status: int = 200,
    choices: list[Article] | None = None,
) -> Any:
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
        choices=choices,
        cutoff=int(site.setting("widget_limit")),
        clicks=link_counts(db, site.id, article.id, Period.ending_today(CLICK_DAYS)),
        click_days=CLICK_DAYS,
        undo=_undo(site, article),
    ), status


@bp.get("/<site>/articles/<int:article_id>/related")
@require_editor()
def article_related(site: Site, article_id: int) -> Any:
    return _related_page(site, queries.get_article(database.session(), site, article_id))


def _back(site: Site, article_id: int, done: str = "") -> Any:
    return redirect(url_for("admin.article_related", site=site.slug, article_id=article_id, done=done or None))


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
        return _back(site, article_id)
    flash(f"“{target.title}” {DONE[(kind, change)]}.", "success")
    return _back(site, article_id, f"{kind}-{change}-{target.id}")


@bp.post("/<site>/articles/<int:article_id>/related/pin/<int:target_id>/move/<any(up,down):direction>")
@require_editor()
def article_pin_move(site: Site, article_id: int, target_id: int, direction: str) -> Any:
    """Move a pin one place up or down; the widget shows pins in this order."""
    db = database.session()
    article = queries.get_article(db, site, article_id)
    pins = updates.rules_for(db, article)["pins"]
    if target_id in pins:
        at = pins.index(target_id)
        to = at - 1 if direction == "up" else at + 1
        if 0 <= to < len(pins):
            pins[at], pins[to] = pins[to], pins[at]
            updates.set_pins(db, site, article, pins)
            db.commit()
    return _back(site, article_id)


@bp.get("/<site>/articles/<int:article_id>/related/pin-choices")
@require_editor()
def article_pin_choices(site: Site, article_id: int) -> Any:
    """Titles for the pin box's type-ahead: ``{"items": [{"id", "title"}]}`` (published, not this article or
    its pins)."""
    db = database.session()
    article = queries.get_article(db, site, article_id)
    q = request.args.get("q", "")[:SEARCH_MAX]
    exclude = {article.id, *updates.rules_for(db, article)["pins"]}
    found = title_candidates(db, site, q, exclude) if len(q.strip()) >= 2 else []
    return jsonify({"items": [{"id": a.id, "title": a.title} for a in found]})


@bp.post("/<site>/articles/<int:article_id>/related/pin")
@require_editor()
def article_pin_by_title(site: Site, article_id: int) -> Any:
    """Pin the article with the title typed (any case); when several or none match exactly, list the choices."""
    db = database.session()
    article = queries.get_article(db, site, article_id)
    form = PinForm()
    if not form.validate_on_submit():
        return _related_page(site, article, form, 422)
    typed = required_text(form.title).strip()
    exclude = {article.id, *updates.rules_for(db, article)["pins"]}
    found = title_candidates(db, site, typed, exclude)
    exact = [a for a in found if a.title.strip().lower() == typed.lower()]
    if len(exact) != 1:
        if not found:
            form.title.errors = [f"No other published article's title holds “{typed}”."]
            return _related_page(site, article, form, 422)
        return _related_page(site, article, form, 200, choices=found)
    target = exact[0]
    try:
        _change_rule(site, article, "pin", target.id, True)
    except ApiError as err:
        db.rollback()
        form.title.errors = [err.message]
        return _related_page(site, article, form, err.status)
    flash(f"“{target.title}” pinned.", "success")
    return _back(site, article_id, f"pin-add-{target.id}")


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
