"""Editors (people who sign in to the admin pages) and their failed sign-ins (for throttling)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.sites import Site

ROLES = ("editor", "admin")


class Editor(Base):
    """A person who edits one site. ``editor`` manages content; ``admin`` also keys, settings and editors."""

    __tablename__ = "editors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    #: stored lower-case; unique across all sites so sign-in needs only an email address.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), default="editor")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: bumped when the editor signs out or changes password; a session cookie holding another value is void
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: base32 TOTP secret: set while being turned on (not yet confirmed) and while on; never shown once confirmed
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # sealed: service.sealed
    #: when the second factor was confirmed; None means sign-in asks for a password only
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the time step of the last accepted code, so one code cannot sign in twice
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    site: Mapped[Site] = relationship(lazy="joined")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def uses_totp(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)


class LoginFailure(Base):
    """One failed sign-in; kept in the database so throttling holds across web workers."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_ip_at", "email", "ip", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
