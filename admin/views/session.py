"""Signing in and out."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from admin import auth
from admin.blueprint import bp
from admin.forms import CodeForm, LoginForm, required_text
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
        if editor is not None and editor.uses_totp:
            auth.start_pending(editor)
            return redirect(url_for("admin.login_code", next=auth.safe_next(request.args.get("next"))))
        if editor is not None:
            auth.start_session(editor)
            return redirect(auth.safe_next(request.args.get("next")) or _home(editor))
        form.password.errors = ["The email address or password is not right."]
    elif request.method == "GET" and auth.current_editor() is not None:
        return redirect(_home(auth.current_editor()))
    status = 401 if request.method == "POST" else 200
    return render_template("admin/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Any:
    """The second step of sign-in for editors who turned two-step sign-in on."""
    editor = auth.pending_editor()
    if editor is None:
        flash("Sign in with your email and password first (the code is asked for within 5 minutes).", "error")
        return redirect(url_for("admin.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            right = auth.authenticate_code(
                database.session(), editor, required_text(form.code), request.remote_addr or "unknown"
            )
        except auth.Throttled as throttled:
            page = render_template("admin/throttled.html", minutes=throttled.minutes)
            return page, 429, {"Retry-After": str(throttled.seconds)}
        if right:
            auth.start_session(editor)
            return redirect(auth.safe_next(request.args.get("next")) or _home(editor))
        form.code.errors = ["That code is not right. Enter the 6 digits your authenticator app shows now."]
    status = 401 if request.method == "POST" else 200
    return render_template("admin/login_code.html", form=form), status


@bp.post("/logout")
def logout() -> Any:
    # CSRFProtect has checked the form's token before this runs (a plain post is refused with 400)
    auth.end_session(database.session())
    flash("You have signed out.", "success")
    return redirect(url_for("admin.login"))
