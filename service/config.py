"""The settings at start: the environment, an optional ``.env`` file and the overrides given.

``load_settings`` turns them into the values of ``app.config`` (the server and every ``flask``
command build the app through ``create_app``, so both read the same settings). Precedence,
highest first: overrides (tests pass them), environment variables, the ``.env`` file
(``CLINIC_READS_ENV_FILE``, or ``.env`` in the project root when present), defaults. Bad
values stop the start with one ``SettingsError`` that lists them all; the settings
themselves, typed, are ``service.settings.Settings``.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import DotEnvSettingsSource

from service.settings import DEFAULT_PUBLIC_BASE_URL, PROJECT_ROOT, Settings, SettingsError, problems_from

__all__ = [
    "ENV_FILE_VARIABLE",
    "PROJECT_ROOT",
    "TEMPLATE_DIR",
    "SettingsError",
    "load_settings",
    "default_base_url_warning",
    "production_warnings",
    "read_settings",
]

#: the shared page layout (``base.html``) and the error page, used by every blueprint's pages
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: names the ``.env`` file to read instead of the one in the project root
ENV_FILE_VARIABLE = "CLINIC_READS_ENV_FILE"

log = logging.getLogger(__name__)
_warned: set[str] = set()


def _env_file(environ: Mapping[str, str]) -> tuple[Path | None, list[str]]:
    """The ``.env`` file to read (None: none), and a problem if the one named does not exist."""
    named = environ.get(ENV_FILE_VARIABLE, "").strip()
    if named:
        path = Path(named)
        return (path, []) if path.is_file() else (None, [f"{ENV_FILE_VARIABLE}={named!r}: no such file"])
    default = PROJECT_ROOT / ".env"
    return (default if default.is_file() else None), []


def _from_env_file(path: Path | None) -> dict[str, Any]:
    """The settings a ``.env`` file sets (empty values count as unset, other names are ignored)."""
    if path is None:
        return {}
    values = DotEnvSettingsSource(Settings, env_file=path)()
    return {name: value for name, value in values.items() if name in Settings.model_fields}


def read_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """The typed settings from ``overrides``, ``environ`` (default ``os.environ``) and the ``.env`` file.

    Empty environment variables count as unset. Raise SettingsError listing every bad value.
    """
    environ = os.environ if environ is None else environ
    env_file, problems = _env_file(environ)
    layers = {  # lowest precedence first; each names where its values came from
        str(env_file or "no .env file"): _from_env_file(env_file),
        "the environment": {name: environ[name] for name in Settings.model_fields if environ.get(name, "") != ""},
        "the overrides": {name: value for name, value in (overrides or {}).items() if name in Settings.model_fields},
    }
    values = {name: value for layer in layers.values() for name, value in layer.items()}
    origins = {name: origin for origin, layer in layers.items() for name in layer}
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise SettingsError(problems + problems_from(exc, origins)) from None
    problems += settings.smtp_problems()
    if problems:
        raise SettingsError(problems)
    return settings


def _secret_key(var_dir: Path) -> str:
    """Read the generated secret key, creating it (mode 600) on first start."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def default_base_url_warning(config: Mapping[str, Any]) -> str | None:
    """What a command that sends mail says when links in it would point at the default local address."""
    if config.get("PUBLIC_BASE_URL") != DEFAULT_PUBLIC_BASE_URL:
        return None
    return (
        f"PUBLIC_BASE_URL is the default {DEFAULT_PUBLIC_BASE_URL}: links in the mail this sends point there. Set"
        " PUBLIC_BASE_URL (in the environment or .env) to the address readers reach the service at"
    )


def production_warnings(settings: Settings) -> list[str]:
    """What to set before this runs in production: the defaults that only suit a developer's machine."""
    warnings = []
    if settings.PUBLIC_BASE_URL == DEFAULT_PUBLIC_BASE_URL:
        warnings.append(
            f"PUBLIC_BASE_URL is the default {DEFAULT_PUBLIC_BASE_URL}, so links in emails and the widget"
            " snippet point there: in production set PUBLIC_BASE_URL to this service's public https:// address"
        )
    if not settings.SECRET_KEY:
        warnings.append(
            f"SECRET_KEY is not set, so a key generated into {Path(settings.VAR_DIR) / 'secret_key'} is used: in"
            " production set SECRET_KEY to a long random string, the same on every server"
        )
    return warnings


def _warn_once(messages: list[str]) -> None:
    """Log each message at most once per process (the app may be built more than once)."""
    for message in messages:
        if message not in _warned:
            _warned.add(message)
            log.warning(message)


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The values for ``app.config``: every setting, checked and typed, with derived values filled in.

    Keys in ``overrides`` that are not settings (``TESTING``, Flask's own) are kept as given.
    """
    settings = read_settings(overrides, environ)
    values = {**(overrides or {}), **settings.model_dump()}
    values["SECRET_KEY_FROM_SETTINGS"] = bool(settings.SECRET_KEY)
    if not settings.SECRET_KEY:
        values["SECRET_KEY"] = _secret_key(Path(settings.VAR_DIR))
    values["MAX_CONTENT_LENGTH"] = settings.MAX_BODY_BYTES
    _warn_once(production_warnings(settings))
    return values
