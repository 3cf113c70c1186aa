"""Sign-in, throttling and user administration. Services flush; callers commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import LoginAttempt, User
from app.accounts.roles import Role
from app.audit.services import record_change, snapshot
from app.clock import now_utc
from app.extensions import db

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user-administration request that cannot be carried out."""


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failed sign-ins are allowed in a window, per account and per address."""

    window_minutes: int
    max_per_account: int
    max_per_address: int


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the active user with this id, or None."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def is_throttled(email: str, address: str, policy: ThrottlePolicy) -> bool:
    """True when recent failures for this account or this address exceed the policy."""
    since = now_utc() - timedelta(minutes=policy.window_minutes)
    failures = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since
    )
    by_account = db.session.scalar(failures.where(LoginAttempt.email == normalise_email(email)))
    if by_account >= policy.max_per_account:
        return True
    by_address = db.session.scalar(failures.where(LoginAttempt.address == address))
    return by_address >= policy.max_per_address


def authenticate(email: str, password: str, address: str, policy: ThrottlePolicy) -> User | None:
    """The user whose credentials these are, recording the attempt; None when refused."""
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    ok = user is not None and user.active and user.check_password(password)
    db.session.add(LoginAttempt(email=email[:254], address=address[:64], succeeded=ok))
    db.session.flush()
    return user if ok else None


def create_user(
    email: str,
    full_name: str,
    role: Role,
    password: str,
    language: str = "es",
    partner_id: int | None = None,
    actor_id: int | None = None,
) -> User:
    """Add an account; partners must name their organisation, staff must not."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"not an email address: {email!r}")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"an account with {email} already exists")
    if (role == Role.PARTNER) != (partner_id is not None):
        raise AccountError("partner users need an organisation, and only partner users have one")
    check_password_strength(password)
    user = User(
        email=email, full_name=full_name, role=role, language=language, partner_id=partner_id
    )
    user.set_password(password)
    db.session.add(user)
    record_change(actor_id, "create", user, after={"email": email, "role": role.value})
    return user


def check_password_strength(password: str) -> None:
    """Refuse passwords shorter than the minimum."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")


def set_password(user: User, password: str, actor_id: int | None = None) -> None:
    """Replace a user's password (the hash is not written to the audit trail)."""
    check_password_strength(password)
    user.set_password(password)
    record_change(actor_id, "set_password", user, after={"password": "changed"})


def deactivate_user(user: User, actor_id: int | None = None) -> None:
    """Stop a user from signing in; their history stays."""
    before = snapshot(user)
    user.active = False
    record_change(actor_id, "deactivate", user, before=before)


def set_language(user: User, language: str) -> None:
    """Remember the interface language a user chose."""
    if language not in ("es", "en"):
        raise AccountError(f"unknown language: {language}")
    user.language = language
    db.session.flush()
