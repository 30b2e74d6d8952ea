"""``flask editors ...`` through Flask's CLI runner, on both engines."""

from __future__ import annotations

from flask.testing import FlaskClient, FlaskCliRunner

from tests.admin.conftest import Account, sign_in
from tests.conftest import SiteWithKey


def test_create_the_first_admin_with_a_prompt(runner: FlaskCliRunner, client: FlaskClient, site_a: SiteWithKey) -> None:
    result = runner.invoke(
        args=["editors", "create", "clinic-a", "Boss@Clinic-A.example", "--role", "admin"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin boss@clinic-a.example for clinic-a" in result.output
    assert "a long password" not in result.output  # the prompt hides what is typed
    assert sign_in(client, Account("boss@clinic-a.example", "clinic-a", "admin", "a long password")).status_code == 302
    assert client.get("/admin/clinic-a/keys").status_code == 200


def test_prompt_wants_the_same_password_twice(runner: FlaskCliRunner, site_a: SiteWithKey) -> None:
    result = runner.invoke(
        args=["editors", "create", "clinic-a", "x@clinic-a.example"], input="a long password\ndifferent one\n"
    )
    assert result.exit_code != 0
    assert "x@clinic-a.example" not in runner.invoke(args=["editors", "list", "clinic-a"]).output


def test_password_stdin_list_and_reset(runner: FlaskCliRunner, client: FlaskClient, site_a: SiteWithKey) -> None:
    created = runner.invoke(
        args=["editors", "create", "clinic-a", "ed@clinic-a.example", "--password-stdin"], input="stdin password 1\n"
    )
    assert created.exit_code == 0 and "created editor" in created.output
    listing = runner.invoke(args=["editors", "list", "clinic-a"]).output
    assert "ed@clinic-a.example\teditor\tactive\tlast sign-in never" in listing
    reset = runner.invoke(
        args=["editors", "password", "ED@clinic-a.example", "--password-stdin"], input="stdin password 2\n"
    )
    assert reset.exit_code == 0
    account = Account("ed@clinic-a.example", "clinic-a", "editor", "stdin password 2")
    assert sign_in(client, account).status_code == 302
    assert client.get("/admin/clinic-a/keys").status_code == 403  # an editor, not an admin


def test_refusals(runner: FlaskCliRunner, site_a: SiteWithKey) -> None:
    cases = [
        (["editors", "create", "no-such-site", "a@b.example", "--password-stdin"], "long password\n", "No site"),
        (["editors", "create", "clinic-a", "not-an-email", "--password-stdin"], "long password\n", "email"),
        (["editors", "create", "clinic-a", "a@clinic-a.example", "--password-stdin"], "short\n", "at least 10"),
        (
            ["editors", "create", "clinic-a", "a@clinic-a.example", "--role", "owner", "--password-stdin"],
            "x\n",
            "owner",
        ),
        (["editors", "password", "nobody@clinic-a.example", "--password-stdin"], "long password\n", "No editor"),
    ]
    for args, stdin, message in cases:
        result = runner.invoke(args=args, input=stdin)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    ok = ["editors", "create", "clinic-a", "a@clinic-a.example", "--password-stdin"]
    assert runner.invoke(args=ok, input="long password\n").exit_code == 0
    again = runner.invoke(args=ok, input="long password\n")
    assert again.exit_code != 0 and "already exists" in again.output
