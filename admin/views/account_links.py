"""Pages reached from editors' account emails (no sign-in): accept an invitation or reset a forgotten password
with a one-time link, and ask for a reset link."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from admin import account_mail, auth
from admin.account_links import LinkError, make_link_token, read_link_token
from admin.blueprint import bp
from admin.forms import ForgotPasswordForm, NewPasswordForm, required_text
from admin.views.common import apply_api_error
from service import audit, rate_limits
from service import db as database
from service.db import utcnow
from service.errors import ApiError

#: reset requests per email address and per client address; the answer looks the same for known and unknown
RESETS_PER_EMAIL = rate_limits.Limit("password_reset_email", 3, 3600)
RESETS_PER_ADDRESS = rate_limits.Limit("password_reset_ip", 20, 3600)
_NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.route("/account-link/<any(invitation,reset):purpose>/<token>", methods=["GET", "POST"])
def accept_link(purpose: str, token: str) -> Any:
    db = database.session()
    try:
        editor = read_link_token(db, current_app.config["SECRET_KEY"], purpose, token)
    except LinkError as err:
        page = render_template("admin/account_link_error.html", purpose=purpose, message=err.message)
        return page, err.status, _NO_REFERRER
    form = NewPasswordForm()
    if form.validate_on_submit():
        audit.act_as(db, f"editor {editor.email}")
        try:
            auth.set_password_from_link(db, editor, required_text(form.password), purpose)
        except ApiError as err:
            db.rollback()
            apply_api_error(form, err, fallback="password")
        else:
            db.commit()
            if editor.uses_totp:  # an email link is no second factor: the code is still asked for
                auth.start_pending(editor)
                flash("Your new password is set. Enter the code from your authenticator app to sign in.", "success")
                return redirect(url_for("admin.login_code"))
            auth.start_session(editor)
            welcome = "Welcome! Your password is set." if purpose == "invitation" else "Your new password is set."
            flash(f"{welcome} You are signed in.", "success")
            return redirect(url_for("admin.dashboard", site=editor.site.slug))
    page = render_template("admin/account_link.html", form=form, purpose=purpose, invitee=editor)
    return page, 422 if form.is_submitted() else 200, _NO_REFERRER


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("admin/forgot_password.html", form=form), 422 if form.is_submitted() else 200
    db = database.session()
    config = current_app.config
    email = required_text(form.email).strip().lower()
    limits = [(RESETS_PER_EMAIL, email), (RESETS_PER_ADDRESS, request.remote_addr or "unknown")]
    exceeded = rate_limits.over_limit(db, limits, config["SECRET_KEY"], utcnow())
    db.commit()
    if exceeded is not None:
        page = render_template("admin/forgot_password.html", form=form, too_many=True)
        return page, 429, {"Retry-After": str(exceeded.per_s)}
    editor = auth.editor_by_email(db, email)
    if editor is not None and editor.disabled_at is None:
        link = config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
            "admin.accept_link", purpose="reset", token=make_link_token(config["SECRET_KEY"], "reset", editor)
        )
        text = account_mail.reset_text(editor.site, link)
        subject = "Reset your Clinic Reads password"
        base = config["PUBLIC_BASE_URL"]
        message = account_mail.build_account_message(editor.site, base, editor.email, subject, text)
        account_mail.send_in_background(config, message, "password reset")
    return render_template("admin/forgot_password.html", form=form, sent=True), 200
