"""Signing in and out."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from admin import auth
from admin.blueprint import bp
from admin.forms import LoginForm, required_text
from service import db as database


def _home(editor: Any) -> str:
    return url_for("admin.dashboard", site=editor.site.slug)


@bp.get("/")
def index() -> Any:
    editor = auth.current_editor()
    return redirect(_home(editor) if editor else url_for("admin.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            editor = auth.authenticate(
                database.session(),
                required_text(form.email),
                required_text(form.password),
                request.remote_addr or "unknown",
            )
        except auth.Throttled as throttled:
            page = render_template("admin/throttled.html", minutes=throttled.minutes)
            return page, 429, {"Retry-After": str(throttled.seconds)}
        if editor is not None:
            auth.start_session(editor)
            return redirect(auth.safe_next(request.args.get("next")) or _home(editor))
        form.password.errors = ["The email address or password is not right."]
    elif request.method == "GET" and auth.current_editor() is not None:
        return redirect(_home(auth.current_editor()))
    status = 401 if request.method == "POST" else 200
    return render_template("admin/login.html", form=form), status


@bp.post("/logout")
def logout() -> Any:
    # CSRFProtect has checked the form's token before this runs (a plain post is refused with 400)
    auth.end_session(database.session())
    flash("You have signed out.", "success")
    return redirect(url_for("admin.login"))
