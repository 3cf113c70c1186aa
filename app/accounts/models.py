"""User accounts, their sign-in sessions, and the login attempts that throttle password guessing."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import Enum

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.roles import Role
from app.clock import UTCDateTime, now_utc
from app.database import enum_column_type
from app.extensions import db


def token_digest(token: str) -> str:
    """What the database keeps of a session token: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


# werkzeug's scrypt at its full cost (N=2**15, r=8, p=1): about 0.1 s a hash on one core.
PASSWORD_HASH_METHOD = "scrypt:32768:8:1"


def password_hash_method() -> str:
    """The app's PASSWORD_HASH_METHOD (the suite's is cheaper); the full cost outside an app."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_HASH_METHOD)
    return PASSWORD_HASH_METHOD


class User(UserMixin, db.Model):
    """A person who signs in: office staff or a partner organisation's reader."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("language IN ('es', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "role"))
    language: Mapped[str] = mapped_column(String(2), default="es")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Partner users belong to an organisation (impact reports); null for office staff.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    partner = relationship("Partner", lazy="joined")

    # The token of the sign-in session this object was loaded for (not a column): set by
    # `start_session` and by `load_user`, read by Flask-Login through `get_id`.
    session_token = None  # type: str | None

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Deactivated accounts cannot sign in or keep a session."""
        return self.active

    def get_id(self) -> str:
        """The id Flask-Login keeps in the cookie: this sign-in's session token, not the user id,
        so the server can end one sign-in (see `SignInSession`)."""
        if self.session_token is None:
            raise RuntimeError("sign in through app.accounts.services.start_session")
        return self.session_token

    def set_password(self, password: str, method: str | None = None) -> None:
        """Store a salted hash of `password` by `method`, else the configured one."""
        self.password_hash = generate_password_hash(password, method=method or password_hash_method())

    def check_password(self, password: str) -> bool:
        """True when `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class LoginAttempt(db.Model):
    """One sign-in attempt, kept in the database so throttling holds across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    # None while the password is being checked (it counts against the limits meanwhile).
    succeeded: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())


class SessionEnd(str, Enum):
    """Why a sign-in session ended."""

    SIGNED_OUT = "signed_out"
    DEACTIVATED = "deactivated"
    PASSWORD_CHANGED = "password_changed"


class SignInSession(db.Model):
    """One sign-in on one browser, open until signed out, ended by the server, or too old.

    The cookie carries a random token; the row keeps only its digest. A row per sign-in (not a
    counter per user) lets signing out end this browser's session alone, while deactivating an
    account or changing its password ends all of them. Ended rows stay as a record of sign-ins.
    """

    __tablename__ = "sign_in_sessions"
    __table_args__ = (
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
        Index("ix_sign_in_sessions_user_open", "user_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[SessionEnd | None] = mapped_column(
        enum_column_type(SessionEnd, "session_end"), nullable=True)
