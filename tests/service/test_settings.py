"""The typed settings: environment, .env file, overrides, validation, warnings, the mail backend, the docs."""

from __future__ import annotations

import logging
import os
import re
import ssl
import subprocess
import sys
from pathlib import Path

import click
import pytest

from newsletter.mail import OutboxBackend, SmtpBackend, make_backend
from service import config
from service.config import ENV_FILE_VARIABLE, load_settings, production_warnings, read_settings
from service.settings import DEFAULT_PUBLIC_BASE_URL, MailSettings, Settings, SettingsError
from tests.conftest import REPO_ROOT
from tests.newsletter.mail_fixtures import digest_message
from tests.newsletter.smtp_sink import SmtpSink, make_self_signed_cert, server_tls_context

DOCS = REPO_ROOT / "docs" / "settings.md"


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    """An environment of our own: a fresh VAR_DIR and an empty .env file (so no developer's .env counts)."""
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    return {"VAR_DIR": str(tmp_path / "var"), ENV_FILE_VARIABLE: str(env_file)}


def write_env_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.env"
    path.write_text(text, encoding="utf-8")
    return path


# -- defaults and derived values --------------------------------------------------------------------


def test_defaults_and_derived_values(environ: dict[str, str], tmp_path: Path) -> None:
    values = load_settings(environ=environ)
    var_dir = tmp_path / "var"
    assert values["DATABASE_URL"] == f"sqlite:///{var_dir / 'clinicreads.db'}"
    assert values["MAIL_OUTBOX_DIR"] == str(var_dir / "outbox")
    assert values["MAX_CONTENT_LENGTH"] == values["MAX_BODY_BYTES"] == 10 * 1024 * 1024
    key_file = var_dir / "secret_key"
    assert values["SECRET_KEY"] == key_file.read_text().strip() and len(values["SECRET_KEY"]) > 40
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_settings(environ=environ)["SECRET_KEY"] == values["SECRET_KEY"]  # generated once
    assert (values["MAIL_BACKEND"], values["SMTP_SECURITY"], values["SMTP_PORT"]) == ("outbox", "none", 25)
    assert (values["SMTP_TIMEOUT"], values["SMTP_MAX_RETRIES"], values["SMTP_BACKOFF_BASE"]) == (30.0, 3, 1.0)
    assert values["PUBLIC_BASE_URL"] == DEFAULT_PUBLIC_BASE_URL
    assert values["SECRET_KEY_FROM_SETTINGS"] is False  # generated, so a backup restore may replace the file
    assert set(Settings.model_fields) | {"MAX_CONTENT_LENGTH", "SECRET_KEY_FROM_SETTINGS"} == set(values)


def test_every_setting_has_a_type_default_and_description() -> None:
    for name, field in Settings.model_fields.items():
        assert name.isupper() and field.annotation is not None, name
        assert not field.is_required(), name
        assert field.description and field.description.endswith("."), name


def test_overrides_win_and_other_config_keys_pass_through(environ: dict[str, str], tmp_path: Path) -> None:
    environ |= {"SMTP_PORT": "2525", "LOG_LEVEL": "debug"}
    values = load_settings({"SMTP_PORT": "2626", "VAR_DIR": tmp_path / "other", "TESTING": True}, environ)
    assert values["SMTP_PORT"] == 2626  # typed, from the overrides
    assert values["LOG_LEVEL"] == "DEBUG"  # from the environment
    assert values["VAR_DIR"] == str(tmp_path / "other") and values["TESTING"] is True


def test_empty_environment_variables_count_as_unset(environ: dict[str, str]) -> None:
    settings = read_settings(environ=environ | {"SMTP_PORT": "", "SMTP_HOST": "", "LOG_LEVEL": ""})
    assert (settings.SMTP_PORT, settings.SMTP_HOST, settings.LOG_LEVEL) == (25, "127.0.0.1", "INFO")


def test_smtp_port_defaults_by_security(environ: dict[str, str]) -> None:
    ports = {mode: read_settings(environ=environ | {"SMTP_SECURITY": mode}).SMTP_PORT for mode in ("none", "tls")}
    assert ports == {"none": 25, "tls": 465}
    assert read_settings(environ=environ | {"SMTP_SECURITY": "STARTTLS"}).SMTP_PORT == 587
    assert read_settings(environ=environ | {"SMTP_SECURITY": "tls", "SMTP_PORT": "2465"}).SMTP_PORT == 2465


# -- the .env file ---------------------------------------------------------------------------------------


def test_env_file_is_read(environ: dict[str, str], tmp_path: Path) -> None:
    env_file = write_env_file(
        tmp_path,
        "# production-like\n"
        "PUBLIC_BASE_URL=https://reads.example.org\n"
        'SMTP_HOST="smtp.example.org"\n'
        "SMTP_PORT=2525\n"
        "SMTP_SECURITY=StartTLS\n"
        "FEEDS_ALLOW_PRIVATE_HOSTS=yes\n"
        "SMTP_TIMEOUT=12.5\n"
        "NOT_A_SETTING=ignored\n",
    )
    settings = read_settings(environ=environ | {ENV_FILE_VARIABLE: str(env_file)})
    assert settings.PUBLIC_BASE_URL == "https://reads.example.org"
    assert (settings.SMTP_HOST, settings.SMTP_PORT, settings.SMTP_SECURITY) == ("smtp.example.org", 2525, "starttls")
    assert settings.FEEDS_ALLOW_PRIVATE_HOSTS is True and settings.SMTP_TIMEOUT == 12.5


def test_environment_wins_over_env_file_and_overrides_over_both(environ: dict[str, str], tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path, "SMTP_PORT=2525\nSMTP_HOST=file.example\nLOG_LEVEL=ERROR\n")
    environ |= {ENV_FILE_VARIABLE: str(env_file), "SMTP_PORT": "2626", "SMTP_HOST": "env.example"}
    settings = read_settings({"SMTP_HOST": "override.example"}, environ)
    assert (settings.SMTP_PORT, settings.SMTP_HOST, settings.LOG_LEVEL) == (2626, "override.example", "ERROR")


def test_env_file_in_the_project_root_is_read_by_default(
    environ: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    (tmp_path / ".env").write_text("SMTP_PORT=2525\n")
    del environ[ENV_FILE_VARIABLE]
    assert read_settings(environ=environ).SMTP_PORT == 2525
    (tmp_path / ".env").unlink()
    assert read_settings(environ=environ).SMTP_PORT == 25  # no .env: nothing to read


def test_a_named_env_file_must_exist(environ: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.env"
    with pytest.raises(SettingsError) as caught:
        read_settings(environ=environ | {ENV_FILE_VARIABLE: str(missing), "SMTP_PORT": "abc"})
    assert caught.value.problems == [
        f"{ENV_FILE_VARIABLE}={str(missing)!r}: no such file",
        "SMTP_PORT='abc' (from the environment): must be a whole number",
    ]


def test_bad_value_in_env_file_names_the_file(environ: dict[str, str], tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path, "FEEDS_PER_RUN=lots\n")
    with pytest.raises(SettingsError, match=re.escape(f"FEEDS_PER_RUN='lots' (from {env_file}): must be a whole")):
        read_settings(environ=environ | {ENV_FILE_VARIABLE: str(env_file)})


# -- validation ------------------------------------------------------------------------------------------

BAD_VALUES = [
    ("MAIL_BACKEND", "smpt", "must be 'outbox' or 'smtp'"),
    ("SMTP_PORT", "abc", "must be a whole number"),
    ("SMTP_PORT", "70000", "must be less than or equal to 65535"),
    ("SMTP_SECURITY", "ssl", "must be 'none', 'starttls' or 'tls'"),
    ("SMTP_TIMEOUT", "0", "must be greater than 0"),
    ("SMTP_RATE_LIMIT", "-1", "must be greater than or equal to 0"),
    ("SMTP_MAX_RETRIES", "1.5", "must be a whole number"),
    ("SMTP_BACKOFF_BASE", "soon", "must be a number"),
    ("LOG_LEVEL", "loud", "must be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'"),
    ("PUBLIC_BASE_URL", "reads.example.org", "must be an http:// or https:// address"),
    ("ADMIN_SESSION_HOURS", "-2", "must be greater than 0"),
    ("MAX_BODY_BYTES", "10MB", "must be a whole number"),
    ("WIDGET_MICROCACHE_SECONDS", "nan", "must be a finite number"),
    ("PENDING_EXPIRY_DAYS", "0", "must be greater than or equal to 1"),
    ("CONFIRM_TOKEN_MAX_AGE_S", "a week", "must be a whole number"),
    ("LINK_TOKEN_MAX_AGE_S", "0", "must be greater than or equal to 1"),
    ("CONFIRM_RESEND_INTERVAL_S", "-5", "must be greater than or equal to 0"),
    ("FEEDS_ALLOW_PRIVATE_HOSTS", "maybe", "must be true or false"),
    ("FEEDS_FETCH_TIMEOUT", "inf", "must be a finite number"),
    ("FEEDS_MAX_BYTES", "0", "must be greater than or equal to 1"),
    ("FEEDS_PER_RUN", "all", "must be a whole number"),
]


@pytest.mark.parametrize(("name", "value", "allowed"), BAD_VALUES)
def test_each_bad_value_is_reported(environ: dict[str, str], name: str, value: str, allowed: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ=environ | {name: value})
    [problem] = caught.value.problems
    shown = value.upper() if name == "LOG_LEVEL" else value  # the level is compared in capitals
    assert problem.startswith(f"{name}={shown!r} (from the environment): {allowed}")


def test_every_bad_value_is_reported_at_once(environ: dict[str, str]) -> None:
    bad = {name: value for name, value, _ in BAD_VALUES}  # one value a setting
    with pytest.raises(SettingsError) as caught:
        load_settings(environ=environ | bad)
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, click.ClickException)
    assert len(error.problems) == len(bad)
    assert str(error).startswith(f"{len(bad)} bad settings (see docs/settings.md):\n")
    for name in bad:
        assert sum(problem.startswith(f"{name}=") for problem in error.problems) == 1, name


def test_bad_overrides_are_reported_too(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=re.escape("SMTP_PORT='x' (from the overrides): must be a whole number")):
        load_settings({"SMTP_PORT": "x"}, environ)


def test_smtp_settings_are_checked_together_only_for_smtp(environ: dict[str, str], tmp_path: Path) -> None:
    smtp = environ | {"MAIL_BACKEND": "smtp", "SMTP_USERNAME": "mailer", "SMTP_CA_FILE": str(tmp_path / "no.pem")}
    with pytest.raises(SettingsError) as caught:
        read_settings({"SMTP_HOST": " "}, smtp)
    assert caught.value.problems == [
        "SMTP_HOST is empty: MAIL_BACKEND=smtp needs a server host",
        "SMTP_USERNAME and SMTP_PASSWORD: give both, or neither (no AUTH)",
        f"SMTP_CA_FILE={str(tmp_path / 'no.pem')!r}: no such file",
    ]
    assert read_settings({"SMTP_HOST": " "}, smtp | {"MAIL_BACKEND": "outbox"}).MAIL_BACKEND == "outbox"


def test_secret_values_are_never_shown(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as caught:
        read_settings({"SECRET_KEY": 12345, "SMTP_PASSWORD": ["s3cret"]}, environ)
    assert caught.value.problems[0].startswith("SMTP_PASSWORD=(hidden) (from the overrides): ")
    assert caught.value.problems[1].startswith("SECRET_KEY=(hidden) (from the overrides): ")
    assert "12345" not in str(caught.value) and "s3cret" not in str(caught.value)
    assert "s3cret" not in repr(read_settings({"SMTP_PASSWORD": "s3cret"}, environ))


def cli_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The test process's environment without any setting of ours, plus ``settings``."""
    env = {name: value for name, value in os.environ.items() if name not in Settings.model_fields}
    env_file = tmp_path / "cli.env"
    env_file.write_text("")
    return env | {"VAR_DIR": str(tmp_path / "var"), ENV_FILE_VARIABLE: str(env_file)} | settings


def run_flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    flask = Path(sys.executable).parent / "flask"
    return subprocess.run(
        [str(flask), "--app", "wsgi", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_flask_command_prints_every_bad_value_without_a_traceback(tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path, "SMTP_SECURITY=ssl\n")
    env = cli_environment(tmp_path, SMTP_PORT="abc", MAIL_BACKEND="smpt", **{ENV_FILE_VARIABLE: str(env_file)})
    result = run_flask(env, "sites", "list")
    assert result.returncode != 0
    assert "Error: 3 bad settings (see docs/settings.md):" in result.stderr
    assert "MAIL_BACKEND='smpt' (from the environment): must be 'outbox' or 'smtp'" in result.stderr
    assert "SMTP_PORT='abc' (from the environment): must be a whole number" in result.stderr
    assert f"SMTP_SECURITY='ssl' (from {env_file}): must be 'none', 'starttls' or 'tls'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# -- warnings at start ---------------------------------------------------------------------------------


def test_production_warnings_name_what_to_set(environ: dict[str, str]) -> None:
    warnings = production_warnings(read_settings(environ=environ))
    assert len(warnings) == 2
    assert warnings[0].startswith("PUBLIC_BASE_URL is the default http://127.0.0.1:8000")
    assert "set PUBLIC_BASE_URL to this service's public https:// address" in warnings[0]
    assert warnings[1].startswith("SECRET_KEY is not set") and "set SECRET_KEY to a long random string" in warnings[1]
    production = environ | {"PUBLIC_BASE_URL": "https://reads.example.org", "SECRET_KEY": "k" * 40}
    assert production_warnings(read_settings(environ=production)) == []
    assert len(production_warnings(read_settings({"SECRET_KEY": "k" * 40}, environ))) == 1


def test_warnings_are_logged_once_per_process(
    environ: dict[str, str], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "_warned", set())  # as in a process that has not started yet
    with caplog.at_level(logging.WARNING, logger="service.config"):
        load_settings(environ=environ)
        load_settings(environ=environ)
    logged = [record for record in caplog.records if record.name == "service.config"]
    assert [record.levelno for record in logged] == [logging.WARNING, logging.WARNING]
    assert [record.getMessage().split(" ", 1)[0] for record in logged] == ["PUBLIC_BASE_URL", "SECRET_KEY"]


@pytest.mark.slow
def test_app_start_warns_once_per_process(tmp_path: Path) -> None:
    start_twice = "from clinicreads.app import create_app\ncreate_app()\ncreate_app()\n"
    result = subprocess.run(
        [sys.executable, "-c", start_twice],
        cwd=REPO_ROOT,
        env=cli_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("PUBLIC_BASE_URL is the default") == 1
    assert result.stderr.count("SECRET_KEY is not set") == 1


# -- the mail backend takes its values from the settings ------------------------------------------------


def smtp_environment(environ: dict[str, str], ca_file: Path) -> dict[str, str]:
    return environ | {
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "mail.example.org",
        "SMTP_PORT": "2465",
        "SMTP_SECURITY": "tls",
        "SMTP_USERNAME": "mailer",
        "SMTP_PASSWORD": "s3cret",
        "SMTP_TIMEOUT": "7.5",
        "SMTP_RATE_LIMIT": "4",
        "SMTP_MAX_RETRIES": "5",
        "SMTP_BACKOFF_BASE": "0.25",
        "SMTP_CA_FILE": str(ca_file),
        "SMTP_LOCAL_HOSTNAME": "reads.example.org",
    }


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_self_signed_cert(tmp_path_factory.mktemp("tls"))


def test_every_smtp_setting_reaches_the_backend(environ: dict[str, str], tls_cert: tuple[Path, Path]) -> None:
    env = smtp_environment(environ, tls_cert[0])
    for settings in (read_settings(environ=env), load_settings(environ=env)):  # typed, and as app.config
        backend = make_backend(settings)
        assert isinstance(backend, SmtpBackend)
        assert (backend.host, backend.port, backend.security) == ("mail.example.org", 2465, "tls")
        assert (backend.username, backend.password) == ("mailer", "s3cret")
        assert (backend.timeout, backend.rate_limit_per_s) == (7.5, 4.0)
        assert (backend.max_retries, backend.backoff_base_s) == (5, 0.25)
        assert backend.local_hostname == "reads.example.org"
        assert isinstance(backend.ssl_context, ssl.SSLContext)
        assert backend.ssl_context.cert_store_stats()["x509_ca"] == 1  # the CA file, not the system's bundle
        assert not backend.is_open


def test_outbox_backend_uses_the_derived_folder(environ: dict[str, str], tmp_path: Path) -> None:
    backend = make_backend(load_settings(environ=environ))
    assert isinstance(backend, OutboxBackend) and backend.folder == tmp_path / "var" / "outbox"
    assert make_backend({}).folder == Path(MailSettings().outbox_dir)  # the default VAR_DIR's outbox


def test_make_backend_reports_every_bad_mail_setting() -> None:
    with pytest.raises(SettingsError) as caught:
        make_backend({"MAIL_BACKEND": "smtp", "SMTP_PORT": "abc", "SMTP_SECURITY": "ssl", "SMTP_RATE_LIMIT": "-1"})
    assert [problem.split("=", 1)[0] for problem in caught.value.problems] == [
        "SMTP_PORT",
        "SMTP_SECURITY",
        "SMTP_RATE_LIMIT",
    ]


def test_smtp_settings_from_an_env_file_deliver_over_starttls(
    environ: dict[str, str], tmp_path: Path, tls_cert: tuple[Path, Path]
) -> None:
    cert, key = tls_cert
    sink = SmtpSink(
        tls_context=server_tls_context(cert, key),
        require_starttls=True,
        credentials={"mailer": "s3cret"},
        auth_required=True,
    )
    with sink:
        env_file = write_env_file(
            tmp_path,
            f"MAIL_BACKEND=smtp\nSMTP_HOST={sink.host}\nSMTP_PORT={sink.port}\nSMTP_SECURITY=starttls\n"
            f"SMTP_USERNAME=mailer\nSMTP_PASSWORD=s3cret\nSMTP_CA_FILE={cert}\nSMTP_MAX_RETRIES=0\n",
        )
        values = load_settings(environ=environ | {ENV_FILE_VARIABLE: str(env_file)})
        with make_backend(values) as backend:
            assert backend.send(digest_message()).ok
    [received] = sink.messages
    assert received.tls and received.login == "mailer"


# -- the documentation -------------------------------------------------------------------------------------


def documented_settings() -> list[str]:
    """The names in the first column of docs/settings.md's table."""
    return re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)


def test_docs_list_every_setting_and_only_settings() -> None:
    documented = documented_settings()
    assert len(documented) == len(set(documented)), "a setting is documented twice"
    assert sorted(set(Settings.model_fields) - set(documented)) == []  # every setting is documented
    assert sorted(set(documented) - set(Settings.model_fields)) == []  # every documented one exists
