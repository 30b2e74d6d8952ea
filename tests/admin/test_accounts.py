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


def test_an_admin_adds_a_clinic_with_its_first_administrator(
    app: Flask, client: FlaskClient, admin_a: Account, editor_a: Account
) -> None:
    new = "/admin/clinic-a/sites/new"
    sign_in(client, admin_a)
    bad = post_form(client, new, {"name": "", "slug": "Not A Slug", "admin_email": "x", "admin_password": "short"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Enter the clinic&#39;s name." in body and "Use at least 10 characters." in body
    taken = post_form(
        client,
        new,
        {"name": "Northside", "slug": "northside", "admin_email": editor_a.email, "admin_password": "p" * 12},
    )
    assert taken.status_code == 409 and "already exists" in taken.get_data(as_text=True)
    made = post_form(
        client,
        new,
        {"name": "Northside", "slug": "northside", "admin_email": "lee@northside.example", "admin_password": "p" * 12},
    )
    assert made.status_code == 302
    lee = app.test_client()
    assert sign_in(lee, Account("lee@northside.example", "northside", "admin", "p" * 12)).status_code == 302
    assert lee.get("/admin/northside/settings").status_code == 200
    assert lee.get("/admin/clinic-a/").status_code == 403
    assert client.get("/admin/northside/").status_code == 403, "the creator stays an administrator of their own site"
    created = ("editor admin@clinic-a.example", "settings", "site created")
    assert any(entry[:3] == created and "northside" in entry[3] for entry in _entries(app))

    editor = app.test_client()
    sign_in(editor, editor_a)
    assert editor.get(new).status_code == 403
