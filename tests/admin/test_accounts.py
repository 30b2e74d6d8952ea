"""Editors' accounts: changing one's own password (other sessions end, this one stays) and administrators
changing editors' roles; both recorded in the audit log."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.admin.conftest import PASSWORD, Account, add_editor, post_form, sign_in
from tests.admin.test_audit import _entries

ACCOUNT = "/admin/clinic-a/account"


def test_an_editor_changes_their_password(app: Flask, client: FlaskClient, editor_a: Account) -> None:
    other_device = app.test_client()
    sign_in(other_device, editor_a)
    sign_in(client, editor_a)
    wrong = post_form(client, ACCOUNT, {"current_password": "nope", "password": "n" * 12, "confirm": "n" * 12})
    assert wrong.status_code == 422 and "That is not your current password." in wrong.get_data(as_text=True)
    short = post_form(client, ACCOUNT, {"current_password": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 422 and "Use at least 10 characters." in short.get_data(as_text=True)

    new = "a much better passphrase"
    done = post_form(client, ACCOUNT, {"current_password": PASSWORD, "password": new, "confirm": new})
    assert done.status_code == 302
    assert "Your password is changed." in client.get(ACCOUNT).get_data(as_text=True), "this device stays signed in"
    assert other_device.get("/admin/clinic-a/").status_code == 302, "the other device is signed out"
    assert sign_in(app.test_client(), editor_a, new).status_code == 302
    assert sign_in(app.test_client(), editor_a).status_code != 302, "the old password no longer works"
    assert (f"editor {editor_a.email}", "editor", "password set", editor_a.email) in _entries(app)


def test_an_admin_changes_an_editors_role(app: Flask, client: FlaskClient, admin_a: Account, editor_a: Account) -> None:
    sign_in(client, admin_a)
    page = client.get("/admin/clinic-a/editors").get_data(as_text=True)
    assert f'aria-label="Change the role of {editor_a.email}"' in page
    assert f'aria-label="Change the role of {admin_a.email}"' not in page, "not one's own"

    editor_client = app.test_client()
    sign_in(editor_client, editor_a)
    assert editor_client.get("/admin/clinic-a/settings").status_code == 403
    editors = client.get("/admin/clinic-a/editors").get_data(as_text=True)
    editor_id = editors.split(f'aria-label="Change the role of {editor_a.email}"')[0].rsplit("/editors/", 1)[1]
    editor_id = editor_id.split("/")[0]
    changed = post_form(
        client, f"/admin/clinic-a/editors/{editor_id}/role", {"role": "admin"}, "/admin/clinic-a/editors"
    )
    assert changed.status_code == 302
    assert f"{editor_a.email} is now an admin." in client.get("/admin/clinic-a/editors").get_data(as_text=True)
    assert editor_client.get("/admin/clinic-a/settings").status_code == 200, "the new role applies at once"
    assert (f"editor {admin_a.email}", "editor", "role changed", f"{editor_a.email}: editor → admin") in _entries(app)

    assert editor_client.post(f"/admin/clinic-a/editors/{editor_id}/role", data={"role": "editor"}).status_code == 400
    own = post_form(
        editor_client, f"/admin/clinic-a/editors/{editor_id}/role", {"role": "editor"}, "/admin/clinic-a/editors"
    )
    assert own.status_code == 302
    assert "You cannot change your own role" in editor_client.get("/admin/clinic-a/editors").get_data(as_text=True)


def test_editors_cannot_change_roles_and_other_sites_are_out_of_reach(
    app: Flask, client: FlaskClient, editor_a: Account, admin_b: Account
) -> None:
    sign_in(client, editor_a)
    assert post_form(client, "/admin/clinic-a/editors/1/role", {"role": "admin"}, ACCOUNT).status_code == 403
    add_editor(app, "clinic-a", "pat@clinic-a.example")
    other_site = app.test_client()
    sign_in(other_site, admin_b)
    moved = post_form(other_site, "/admin/clinic-b/editors/1/role", {"role": "admin"}, "/admin/clinic-b/editors")
    assert moved.status_code == 302
    assert "No editor 1 on this site." in other_site.get("/admin/clinic-b/editors").get_data(as_text=True)
    assert not [entry for entry in _entries(app) if entry[2] == "role changed"]
