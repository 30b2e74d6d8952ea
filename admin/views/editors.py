"""Editors of the site (administrators): list, add, change roles, disable and re-enable; and every editor's
own account page (change my password)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, url_for

from admin import account_mail, auth, totp
from admin.account_links import make_link_token
from admin.blueprint import bp
from admin.forms import CodeForm, EditorForm, InviteForm, OwnPasswordForm, RoleForm, required_text
from admin.models import ROLES, Editor
from admin.views.common import apply_api_error
from service import db as database
from service.errors import ApiError
from service.sites import Site


def _page(site: Site, form: EditorForm, status: int = 200, invite: InviteForm | None = None) -> Any:
    editors = auth.site_editors(database.session(), site)
    invite = invite or InviteForm(formdata=None, prefix="invite")
    page = render_template("admin/editors.html", form=form, invite=invite, editors=editors, roles=ROLES)
    return page, status


@bp.route("/<site>/editors", methods=["GET", "POST"])
@auth.require_editor("admin")
def editors(site: Site) -> Any:
    form = EditorForm()
    if not form.validate_on_submit():
        return _page(site, form, 422 if form.is_submitted() else 200)
    db = database.session()
    try:
        editor = auth.create_editor(
            db, site, required_text(form.email), required_text(form.password), form.role.data, form.name.data or ""
        )
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="email")
        return _page(site, form, err.status)
    db.commit()
    flash(f"{editor.email} can now sign in as {editor.role}. Give them the password in person or by phone.", "success")
    return redirect(url_for("admin.editors", site=site.slug))


@bp.post("/<site>/editors/invite")
@auth.require_editor("admin")
def editor_invite(site: Site) -> Any:
    form = InviteForm(prefix="invite")
    if not form.validate_on_submit():
        return _page(site, EditorForm(formdata=None), 422, invite=form)
    db = database.session()
    try:
        editor = auth.invite_editor(
            db, site, required_text(form.email), form.role.data or "", form.name.data or "", g.editor
        )
    except ApiError as err:
        db.rollback()
        apply_api_error(form, err, fallback="email")
        return _page(site, EditorForm(formdata=None), err.status, invite=form)
    db.commit()
    _send_invitation(site, editor)
    flash(f"An invitation is on its way to {editor.email}. Its link works once, for 7 days.", "success")
    return redirect(url_for("admin.editors", site=site.slug))


def _send_invitation(site: Site, editor: Editor) -> None:
    config = current_app.config
    token = make_link_token(config["SECRET_KEY"], "invitation", editor)
    link = config["PUBLIC_BASE_URL"].rstrip("/") + url_for("admin.accept_link", purpose="invitation", token=token)
    text = account_mail.invitation_text(site, link, g.editor.name or g.editor.email)
    subject = f"You are invited to edit {site.name} in Clinic Reads"
    message = account_mail.build_account_message(site, config["PUBLIC_BASE_URL"], editor.email, subject, text)
    account_mail.send_in_background(config, message, "invitation")


@bp.post("/<site>/editors/<int:editor_id>/invite-again")
@auth.require_editor("admin")
def editor_reinvite(site: Site, editor_id: int) -> Any:
    db = database.session()
    try:
        editor = auth.reinvite_editor(db, site, editor_id)
    except ApiError as err:
        db.rollback()
        flash(err.message, "error")
        return redirect(url_for("admin.editors", site=site.slug))
    db.commit()
    _send_invitation(site, editor)
    flash(f"A new invitation is on its way to {editor.email}; earlier invitation links no longer work.", "success")
    return redirect(url_for("admin.editors", site=site.slug))


@bp.post("/<site>/editors/<int:editor_id>/<any(disable,enable):change>")
@auth.require_editor("admin")
def editor_toggle(site: Site, editor_id: int, change: str) -> Any:
    db = database.session()
    editor = auth.set_disabled(db, site, editor_id, change == "disable", g.editor)
    db.commit()
    flash(f"{editor.email} {'can no longer' if change == 'disable' else 'can again'} sign in.", "success")
    return redirect(url_for("admin.editors", site=site.slug))


@bp.post("/<site>/editors/<int:editor_id>/role")
@auth.require_editor("admin")
def editor_role(site: Site, editor_id: int) -> Any:
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose a role: editor or admin.", "error")
        return redirect(url_for("admin.editors", site=site.slug))
    db = database.session()
    try:
        editor = auth.set_role(db, site, editor_id, form.role.data or "", g.editor)
    except ApiError as err:
        db.rollback()
        flash(err.message, "error")
        return redirect(url_for("admin.editors", site=site.slug))
    db.commit()
    flash(f"{editor.email} is now {'an admin' if editor.role == 'admin' else 'an editor'}.", "success")
    return redirect(url_for("admin.editors", site=site.slug))


@bp.route("/<site>/account", methods=["GET", "POST"])
@auth.require_editor()
def account(site: Site) -> Any:
    form = OwnPasswordForm()
    if form.validate_on_submit():
        db = database.session()
        try:
            auth.change_own_password(db, g.editor, form.current_password.data or "", form.password.data or "")
        except ApiError as err:
            db.rollback()
            apply_api_error(form, err, fallback="password")
        else:
            db.commit()
            auth.start_session(g.editor)  # this device stays signed in; every other session has ended
            flash("Your password is changed. Other devices where you were signed in are signed out.", "success")
            return redirect(url_for("admin.account", site=site.slug))
    status = 422 if form.is_submitted() else 200
    return _account_page(form, CodeForm(formdata=None, prefix="totp"), status)


def _account_page(form: OwnPasswordForm, code_form: CodeForm, status: int = 200) -> Any:
    editor = g.editor
    pending = bool(editor.totp_secret) and not editor.uses_totp
    page = render_template(
        "admin/account.html",
        form=form,
        code_form=code_form,
        totp_pending=pending,
        totp_secret=totp.plain_secret(editor) if pending else None,
        totp_uri=totp.provisioning_uri(editor) if pending else None,
    )
    return page, status


@bp.post("/<site>/account/two-step/<any(start,confirm,off):step>")
@auth.require_editor()
def account_totp(site: Site, step: str) -> Any:
    """Turn two-step sign-in on (start, then confirm with a code) or off (with a code)."""
    db = database.session()
    if step == "start":  # CSRFProtect has checked the form's token
        try:
            totp.start(db, g.editor)
        except ApiError as err:
            db.rollback()
            flash(err.message, "error")
            return redirect(url_for("admin.account", site=site.slug))
        db.commit()
        return redirect(url_for("admin.account", site=site.slug, _anchor="two-step-heading"))
    code_form = CodeForm(prefix="totp")
    if not code_form.validate_on_submit():
        return _account_page(OwnPasswordForm(formdata=None), code_form, 422)
    try:
        if step == "confirm":
            totp.confirm(db, g.editor, required_text(code_form.code))
        else:
            totp.turn_off_own(db, g.editor, required_text(code_form.code))
    except ApiError as err:
        db.rollback()
        apply_api_error(code_form, err, fallback="code")
        return _account_page(OwnPasswordForm(formdata=None), code_form, err.status)
    db.commit()
    message = (
        "Two-step sign-in is on: from now on, sign-in asks for a code from your app."
        if step == "confirm"
        else "Two-step sign-in is off: sign-in asks for your password only."
    )
    flash(message, "success")
    return redirect(url_for("admin.account", site=site.slug))


@bp.post("/<site>/editors/<int:editor_id>/two-step-off")
@auth.require_editor("admin")
def editor_totp_off(site: Site, editor_id: int) -> Any:
    db = database.session()
    try:
        editor = totp.turn_off_for(db, site, editor_id)
    except ApiError as err:
        db.rollback()
        flash(err.message, "error")
        return redirect(url_for("admin.editors", site=site.slug))
    db.commit()
    flash(
        f"Two-step sign-in is off for {editor.email}; they sign in with their password and can turn it on again.",
        "success",
    )
    return redirect(url_for("admin.editors", site=site.slug))
