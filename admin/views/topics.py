"""Reader topics: the plain-word topics readers choose on the sign-up form (list, add, edit, delete)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for

from admin.auth import require_editor
from admin.blueprint import bp
from admin.forms import ReaderTopicForm
from admin.views.common import apply_api_error
from newsletter import reader_topics
from newsletter.models import ReaderTopic
from service import db as database
from service.errors import ApiError
from service.sites import Site


def _form_data(form: ReaderTopicForm) -> dict[str, Any]:
    return {
        "name": form.name.data or "",
        "description": form.description.data or None,
        "match_terms": form.match_terms.data or "",
        "labels": form.labels.data or "",
        "position": form.position.data or 0,
        "active": bool(form.active.data),
    }


def _page(site: Site, form: ReaderTopicForm, topic: ReaderTopic | None, status: int = 200) -> Any:
    topics = reader_topics.site_reader_topics(database.session(), site, active_only=False)
    return render_template("admin/topics.html", form=form, topics=topics, topic=topic), status


def _save(site: Site, form: ReaderTopicForm, topic: ReaderTopic | None) -> Any:
    if not form.validate_on_submit():
        return _page(site, form, topic, 422 if form.is_submitted() else 200)
    db = database.session()
    try:
        data = reader_topics.parse_topic(_form_data(form))
        saved = reader_topics.save_topic(db, site, data, topic)
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="name")
        return _page(site, form, topic, err.status)
    db.commit()
    flash(f"Topic “{saved.name}” saved.", "success")
    return redirect(url_for("admin.topics", site=site.slug))


@bp.route("/<site>/topics", methods=["GET", "POST"])
@require_editor()
def topics(site: Site) -> Any:
    return _save(site, ReaderTopicForm(), None)


@bp.route("/<site>/topics/<int:topic_id>", methods=["GET", "POST"])
@require_editor()
def topic_edit(site: Site, topic_id: int) -> Any:
    topic = reader_topics.get_topic(database.session(), site, topic_id)
    form = ReaderTopicForm(
        data={
            "name": topic.name,
            "description": topic.description or "",
            "match_terms": "\n".join(topic.match_terms),
            "labels": "\n".join(topic.labels),
            "position": topic.position,
            "active": topic.active,
        }
    )
    return _save(site, form, topic)


@bp.post("/<site>/topics/<int:topic_id>/delete")
@require_editor()
def topic_delete(site: Site, topic_id: int) -> Any:
    db = database.session()
    reader_topics.delete_topic(db, site, topic_id)
    db.commit()
    flash("Topic deleted; readers who followed it no longer do.", "success")
    return redirect(url_for("admin.topics", site=site.slug))
