"""Every setting of the service, typed, with its default and a one-line description.

``Settings`` is the whole set; ``MailSettings`` is the part the mail backend needs, which
``Settings`` inherits so that each setting is defined once. Values are read and checked by
``service.config.load_settings``; docs/settings.md documents the same list (a test keeps the
two in step).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import click
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = str(PROJECT_ROOT / "var")
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"

MailBackendName = Literal["outbox", "smtp"]
SmtpSecurity = Literal["none", "starttls", "tls"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]

#: the SMTP port used when SMTP_PORT is not set, by SMTP_SECURITY
DEFAULT_SMTP_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "tls": 465}

#: settings whose values never appear in an error message
SECRET_SETTINGS = frozenset(
    {
        "SECRET_KEY",
        "SMTP_PASSWORD",
        "METRICS_TOKEN",
        "DELIVERY_WEBHOOK_SECRET",
        "POSTMARK_WEBHOOK_PASSWORD",
        "CELERY_BROKER_URL",
    }
)


def _path_text(value: Any) -> Any:
    """Folder and file settings are plain strings in app.config; accept ``Path`` objects too."""
    return os.fspath(value) if isinstance(value, os.PathLike) else value


PathText = Annotated[str, BeforeValidator(_path_text)]


def outbox_dir_under(var_dir: str) -> str:
    """The outbox folder when MAIL_OUTBOX_DIR is empty."""
    return str(Path(var_dir) / "outbox")


class SettingsError(click.ClickException, ValueError):
    """Settings that cannot be used; the message lists every bad value and what is allowed.

    It is a ``ClickException`` so that a ``flask`` command, which builds the app when it
    loads it, prints the message and exits with status 1 instead of showing a traceback;
    it is a ``ValueError`` for code that checks values it was given.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        noun = "setting" if len(problems) == 1 else "settings"
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{len(problems)} bad {noun} (see docs/settings.md):\n{lines}")


def problems_from(error: ValidationError, origins: Mapping[str, str] | None = None) -> list[str]:
    """One line per bad value: the setting, the value, where it came from and what is allowed."""
    return [_problem(detail, origins or {}) for detail in error.errors(include_url=False)]


#: plainer words for pydantic's messages about values that do not parse
_PLAIN_MESSAGES = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false (also 1/0, yes/no, on/off)",
}


def _problem(detail: Any, origins: Mapping[str, str]) -> str:
    message = _PLAIN_MESSAGES.get(detail["type"], str(detail["msg"]))
    if detail["type"] == "value_error":
        message = str(detail["ctx"]["error"])
    elif message.startswith("Input should be"):
        message = "must be" + message.removeprefix("Input should be")
    if not detail["loc"]:
        return message
    name = str(detail["loc"][0])
    value = "(hidden)" if name in SECRET_SETTINGS else repr(detail["input"])
    origin = origins.get(name)
    return f"{name}={value}{f' (from {origin})' if origin else ''}: {message}"


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class MailSettings(BaseModel):
    """How messages leave the service: the outbox folder or an SMTP server."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, validate_default=True)

    MAIL_BACKEND: MailBackendName = Field(
        "outbox", description="outbox (one .eml file per message under MAIL_OUTBOX_DIR) or smtp."
    )
    MAIL_OUTBOX_DIR: PathText = Field("", description="Outbox folder; empty means <VAR_DIR>/outbox.")
    SMTP_HOST: str = Field("127.0.0.1", description="SMTP server host (MAIL_BACKEND=smtp).")
    SMTP_PORT: int | None = Field(
        None, ge=1, le=65535, description="SMTP server port; empty means 25, 587 or 465 by SMTP_SECURITY."
    )
    SMTP_SECURITY: SmtpSecurity = Field(
        "none", description="none (plain), starttls (upgrade after connecting) or tls (TLS from the start)."
    )
    SMTP_USERNAME: str = Field("", description="SMTP login name; empty means no AUTH.")
    SMTP_PASSWORD: str = Field("", repr=False, description="SMTP password (required with SMTP_USERNAME).")
    SMTP_TIMEOUT: float = Field(30.0, gt=0, description="Seconds to wait for the SMTP server on each step.")
    SMTP_RATE_LIMIT: float = Field(0.0, ge=0, description="Most messages a second sent over SMTP; 0 means no limit.")
    SMTP_MAX_RETRIES: int = Field(
        3,
        ge=0,
        description="Extra tries after a temporary SMTP failure (4xx answer, connection dropped before the content).",
    )
    SMTP_BACKOFF_BASE: float = Field(
        1.0, ge=0, description="Seconds before the first retry; doubled for each next one (at most 60)."
    )
    SMTP_CA_FILE: PathText = Field(
        "", description="CA bundle (PEM) to trust for a private SMTP server; empty means the system's."
    )
    SMTP_LOCAL_HOSTNAME: str = Field("", description="Name sent in EHLO; empty means this machine's name.")

    _lowercase = field_validator("MAIL_BACKEND", "SMTP_SECURITY", mode="before")(_lower)

    @field_validator("SMTP_PORT", mode="before")
    @classmethod
    def _empty_port(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _default_port(self) -> MailSettings:
        if self.SMTP_PORT is None:
            self.SMTP_PORT = DEFAULT_SMTP_PORTS[self.SMTP_SECURITY]
        return self

    def smtp_problems(self) -> list[str]:
        """What stops SMTP from working when MAIL_BACKEND=smtp (rules across settings, so they are
        checked once each value is valid on its own)."""
        if self.MAIL_BACKEND != "smtp":
            return []
        problems = []
        if not self.SMTP_HOST.strip():
            problems.append("SMTP_HOST is empty: MAIL_BACKEND=smtp needs a server host")
        if bool(self.SMTP_USERNAME) != bool(self.SMTP_PASSWORD):
            problems.append("SMTP_USERNAME and SMTP_PASSWORD: give both, or neither (no AUTH)")
        if self.SMTP_CA_FILE and not Path(self.SMTP_CA_FILE).is_file():
            problems.append(f"SMTP_CA_FILE={self.SMTP_CA_FILE!r}: no such file")
        return problems

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> MailSettings:
        """The mail settings in ``values`` (app.config when a message is sent, or a plain dict of
        strings); missing ones take their defaults. Raise SettingsError naming every bad value
        (``smtp_problems`` then tells what else stops SMTP)."""
        try:
            return cls.model_validate({name: value for name, value in values.items() if name in cls.model_fields})
        except ValidationError as exc:
            raise SettingsError(problems_from(exc)) from None

    @property
    def outbox_dir(self) -> str:
        """MAIL_OUTBOX_DIR, or the outbox under the default VAR_DIR when it is empty."""
        return self.MAIL_OUTBOX_DIR or outbox_dir_under(DEFAULT_VAR_DIR)


class Settings(BaseSettings, MailSettings):
    """Every setting: from the environment, a ``.env`` file and the overrides given at start.

    Build it with ``service.config.load_settings`` (or ``read_settings``); the class itself takes
    its values from keyword arguments (strings are parsed), and its config tells how a ``.env``
    file is read (names case-sensitive, empty values unset).
    """

    model_config = SettingsConfigDict(
        extra="ignore",
        allow_inf_nan=False,
        validate_default=True,
        case_sensitive=True,
        env_ignore_empty=True,
        env_file_encoding="utf-8",
    )

    VAR_DIR: PathText = Field(
        DEFAULT_VAR_DIR,
        description=(
            "Folder for the SQLite file, generated secret key and outbox (fitted indexes are stored in the database)."
        ),
    )
    DATABASE_URL: str = Field(
        "", description="SQLAlchemy URL; empty means sqlite:///<VAR_DIR>/clinicreads.db (WAL mode)."
    )
    SECRET_KEY: str = Field(
        "", repr=False, description="Signs tokens and sessions; empty means generated once into <VAR_DIR>/secret_key."
    )
    LOG_LEVEL: LogLevel = Field("INFO", description="Python logging level for the service's own loggers.")
    LOG_FORMAT: LogFormat = Field(
        "text", description="text (one readable line per record) or json (one object a line)."
    )
    METRICS_TOKEN: str = Field(
        "", repr=False, description="Bearer token that opens /metrics; empty means loopback clients only."
    )
    SCHEDULER_HEARTBEAT_SECONDS: float = Field(
        30.0,
        gt=0,
        description="Seconds between the scheduler's heartbeats; /readyz calls one older than 3 missed stale.",
    )
    READY_QUEUE_MAX_AGE_S: int = Field(
        600, ge=1, description="/readyz answers 503 when the oldest queued related-list update is older (seconds)."
    )
    PUBLIC_BASE_URL: str = Field(
        DEFAULT_PUBLIC_BASE_URL,
        description="Public address of this service, used in email links and the widget snippet.",
    )
    ADMIN_SESSION_HOURS: float = Field(
        8.0, gt=0, description="How long an editor stays signed in to the admin pages, in hours."
    )
    TRUSTED_PROXY_HOPS: int = Field(
        0,
        ge=0,
        le=10,
        description=(
            "How many reverse proxies in front of the service set X-Forwarded-For/-Proto/-Host"
            " (0: none, the client address is the connecting one)."
        ),
    )
    MAX_BODY_BYTES: int = Field(
        10 * 1024 * 1024, ge=1, description="Largest request body accepted, in bytes (413 above)."
    )
    WIDGET_MICROCACHE_SECONDS: float = Field(
        1.0, ge=0, description="How long each web process reuses a widget JSON answer (0: never)."
    )
    WIDGET_CHANGE_FEED: bool = Field(
        True,
        description=(
            "On PostgreSQL, each web process listens for changes to sites, articles and related lists (LISTEN/NOTIFY)"
            " and reuses a widget JSON answer until its site changes, up to WIDGET_CHANGE_FEED_MAX_SECONDS."
        ),
    )
    WIDGET_CHANGE_FEED_MAX_SECONDS: float = Field(
        60.0, ge=0, description="The longest a web process reuses a widget JSON answer while its site is unchanged."
    )
    PENDING_EXPIRY_DAYS: int = Field(7, ge=1, description="Days a sign-up may stay unconfirmed before it is purged.")
    CONFIRM_TOKEN_MAX_AGE_S: int = Field(7 * 24 * 3600, ge=1, description="Seconds a confirmation link stays valid.")
    LINK_TOKEN_MAX_AGE_S: int = Field(
        365 * 24 * 3600, ge=1, description="Seconds the preferences and unsubscribe links in emails stay valid."
    )
    DIGEST_PAGE_MAX_AGE_S: int = Field(
        90 * 24 * 3600, ge=1, description='Seconds the "view in your browser" page of a sent digest stays open.'
    )
    CONFIRM_RESEND_INTERVAL_S: int = Field(
        600, ge=0, description="Least seconds between two confirmation emails to one address."
    )
    SIGNUP_LIMIT_PER_CLIENT: int = Field(
        10, ge=1, description="Most sign-ups an hour from one client address, across all sites (429 above)."
    )
    SIGNUP_LIMIT_PER_SITE: int = Field(
        300, ge=1, description="Most sign-ups an hour to one site, from everyone (429 above)."
    )
    SIGNUP_LIMIT_PER_EMAIL: int = Field(
        5, ge=1, description="Most sign-ups a day naming one email address; past it the answer is the same, no mail."
    )
    SIGNUP_CAPTCHA_VERIFIER: str = Field(
        "", description="`module:function` that checks a sign-up's captcha answer; empty means no captcha."
    )
    FEEDS_ALLOW_PRIVATE_HOSTS: bool = Field(
        False, description="Allow feed URLs on localhost or private/loopback/link-local IPs (true/false)."
    )
    FEEDS_ALLOWED_NETWORKS: str = Field(
        "",
        description="Private networks feeds may be fetched from all the same, comma-separated (`10.20.0.0/16`).",
    )
    FEEDS_FETCH_TIMEOUT: float = Field(
        10.0, gt=0, description="Total seconds one feed fetch may take (connect, redirects, body)."
    )
    FEEDS_MAX_BYTES: int = Field(
        5 * 1024 * 1024, ge=1, description="Largest feed body accepted, in bytes (after decompression)."
    )
    FEEDS_PER_RUN: int = Field(50, ge=1, description="Most feeds one polling run fetches (the oldest due first).")
    DELIVERY_WEBHOOK_SECRET: str = Field(
        "", repr=False, description="Signs bounce and complaint webhook calls (HMAC-SHA256); empty turns them off."
    )
    DELIVERY_WEBHOOK_TOLERANCE_S: int = Field(
        300, ge=1, le=3600, description="Most seconds a signed webhook call's timestamp may be from now."
    )
    POSTMARK_WEBHOOK_USERNAME: str = Field("postmark", description="User name of the Postmark webhook's basic auth.")
    POSTMARK_WEBHOOK_PASSWORD: str = Field(
        "", repr=False, description="Password of the Postmark webhook's basic auth; empty turns that webhook off."
    )
    CELERY_BROKER_URL: str = Field(
        "",
        description=(
            "Where workers take their tasks: redis://host:6379/0 (several machines) or amqp://...;"
            " empty means a folder under <VAR_DIR>/broker (one machine, no server)."
        ),
    )
    CELERY_VISIBILITY_TIMEOUT: int = Field(
        3600,
        ge=1,
        description="Seconds before Redis gives a task taken by a worker that died to another worker.",
    )
    DIGEST_CLAIM_TIMEOUT_S: int = Field(
        900, ge=1, description="Seconds after which a digest claimed by a worker that died is sent by a later run."
    )
    DIGEST_BATCH_SIZE: int = Field(
        200, ge=1, description="Due subscribers per digest task; each batch is composed and sent by one worker."
    )
    DIGEST_PLAN_PAGE_SIZE: int = Field(
        5000,
        ge=1,
        description="Subscribers read per query while the sending job plans digest batches (bounds its memory).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments only: ``service.config`` merges the ``.env`` file, the environment (from a
        mapping tests can pass) and the overrides, and names each bad value's source."""
        return (init_settings,)

    @field_validator("LOG_FORMAT", mode="before")
    @classmethod
    def _lower_format(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("FEEDS_ALLOWED_NETWORKS")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    ipaddress.ip_network(part.strip(), strict=False)
                except ValueError:
                    raise ValueError(f"{part.strip()!r} is not an IP network such as 10.20.0.0/16") from None
        return value

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("PUBLIC_BASE_URL")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// address, e.g. https://reads.example.org")
        return value

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        self.VAR_DIR = str(Path(self.VAR_DIR))
        if not self.DATABASE_URL:
            self.DATABASE_URL = f"sqlite:///{Path(self.VAR_DIR) / 'clinicreads.db'}"
        if not self.MAIL_OUTBOX_DIR:
            self.MAIL_OUTBOX_DIR = outbox_dir_under(self.VAR_DIR)
        if not self.CELERY_BROKER_URL:
            self.CELERY_BROKER_URL = f"filesystem://{Path(self.VAR_DIR) / 'broker'}"
        return self
