"""The front page at ``/`` (what this service is, and where to go) and a demo article page that shows the
widget as a clinic's page would."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from articles.models import Article
from service import db as database
from service.sites import Site

bp = Blueprint("front", __name__, template_folder="templates")

#: the demo clinic ``flask demo load`` creates, and the article its demo page opens with
DEMO_SLUG = "demo"
DEMO_ARTICLE = "Back Pain"


def _demo_site() -> Site | None:
    return database.session().scalar(select(Site).where(Site.slug == DEMO_SLUG))


@bp.get("/")
def front() -> Any:
    return render_template("front/index.html", demo=_demo_site())


@bp.get("/demo/article")
def demo_article() -> Any:
    """A published article of the demo clinic, laid out as a clinic's page with the widget under it."""
    site = _demo_site()
    if site is None:
        abort(404, "The demo clinic is not loaded: run flask --app wsgi demo load.")
    db = database.session()
    published = select(Article).where(Article.site_id == site.id, Article.status == "published")
    chosen = request.args.get("id", type=int)
    article = None
    if chosen is not None:
        article = db.scalar(published.where(Article.id == chosen))
    if article is None:
        article = db.scalar(published.where(Article.title == DEMO_ARTICLE)) or db.scalar(
            published.order_by(Article.title).limit(1)
        )
    if article is None:
        abort(404, "The demo clinic has no published article yet.")
    return render_template("front/demo_article.html", site=site, article=article)
