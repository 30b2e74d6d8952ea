"""Settings read from environment variables, with documented defaults.

Every setting is listed in ``SETTINGS`` with its default and a one-line description;
README.md documents the same list (a test keeps the two in step).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: the shared page layout (``base.html``) and the error page, used by every blueprint's pages
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    cast: Any = str


def _flag(raw: str) -> bool:
    """An on/off setting from the environment: true/1/yes/on, anything else is off."""
    return raw.strip().lower() in ("1", "true", "yes", "on")


SETTINGS: tuple[Setting, ...] = (
    Setting("VAR_DIR", str(PROJECT_ROOT / "var"), "Folder for the SQLite file, secret key, saved indexes and outbox."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL; empty means sqlite:///<VAR_DIR>/clinicreads.db (WAL mode)."),
    Setting("SECRET_KEY", "", "Signs tokens and sessions; empty means generated once into <VAR_DIR>/secret_key."),
    Setting("LOG_LEVEL", "INFO", "Python logging level for the service's own loggers."),
    Setting(
        "PUBLIC_BASE_URL",
        "http://127.0.0.1:8000",
        "Public address of this service, used in email links and the widget snippet.",
    ),
    Setting("ADMIN_SESSION_HOURS", 8.0, "How long an editor stays signed in to the admin pages, in hours.", float),
    Setting("MAX_BODY_BYTES", 10 * 1024 * 1024, "Largest request body accepted, in bytes (413 above).", int),
    Setting(
        "WIDGET_MICROCACHE_SECONDS", 1.0, "How long each web process reuses a widget JSON answer (0: never).", float
    ),
    Setting("MAIL_BACKEND", "outbox", "outbox (one .eml file per message under <VAR_DIR>/outbox) or smtp."),
    Setting("MAIL_OUTBOX_DIR", "", "Outbox folder; empty means <VAR_DIR>/outbox."),
    Setting("SMTP_HOST", "127.0.0.1", "SMTP server host (MAIL_BACKEND=smtp)."),
    Setting("SMTP_PORT", 25, "SMTP server port.", int),
    Setting("SMTP_SECURITY", "none", "none, starttls or tls."),
    Setting("SMTP_USERNAME", "", "SMTP login name; empty means no AUTH."),
    Setting("SMTP_PASSWORD", "", "SMTP password."),
    Setting("PENDING_EXPIRY_DAYS", 7, "Days a sign-up may stay unconfirmed before it is purged.", int),
    Setting("CONFIRM_TOKEN_MAX_AGE_S", 7 * 24 * 3600, "Seconds a confirmation link stays valid.", int),
    Setting(
        "LINK_TOKEN_MAX_AGE_S",
        365 * 24 * 3600,
        "Seconds the preferences and unsubscribe links in emails stay valid.",
        int,
    ),
    Setting("CONFIRM_RESEND_INTERVAL_S", 600, "Least seconds between two confirmation emails to one address.", int),
    Setting("SMTP_RATE_LIMIT", 0.0, "Most messages a second sent over SMTP; 0 means no limit.", float),
    Setting(
        "FEEDS_ALLOW_PRIVATE_HOSTS",
        False,
        "Allow feed URLs on localhost or private/loopback/link-local IPs (true/false).",
        _flag,
    ),
    Setting("FEEDS_FETCH_TIMEOUT", 10.0, "Total seconds one feed fetch may take (connect, redirects, body).", float),
    Setting("FEEDS_MAX_BYTES", 5 * 1024 * 1024, "Largest feed body accepted, in bytes (after decompression).", int),
    Setting("FEEDS_PER_RUN", 50, "Most feeds one polling run fetches (the oldest due first).", int),
)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        values[setting.name] = setting.default if raw in (None, "") else setting.cast(raw)
    return values


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


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Environment (or ``environ``) values, then ``overrides``, with derived defaults filled in."""
    values = _from_environment(os.environ if environ is None else environ)
    values.update(overrides or {})
    var_dir = Path(values["VAR_DIR"])
    values["VAR_DIR"] = str(var_dir)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{var_dir / 'clinicreads.db'}"
    if not values["MAIL_OUTBOX_DIR"]:
        values["MAIL_OUTBOX_DIR"] = str(var_dir / "outbox")
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _secret_key(var_dir)
    values["MAX_CONTENT_LENGTH"] = values["MAX_BODY_BYTES"]
    return values
