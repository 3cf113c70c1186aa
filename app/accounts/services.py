"""Sign-in, throttling and user administration. Services flush; callers commit.

Refusals are named exceptions (subclasses of `AccountError`, a ValueError); views turn them
into messages in the user's language, the CLI prints their English text.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.accounts.models import LoginAttempt, User, session_tag
from app.accounts.roles import Role
from app.audit.services import record_change, snapshot
from app.clock import now_utc
from app.extensions import db

MIN_PASSWORD_LENGTH = 10
LANGUAGES = ("es", "en")


class AccountError(ValueError):
    """A user-administration request that cannot be carried out."""


class InvalidEmail(AccountError):
    """The email address is not one."""


class EmailTaken(AccountError):
    """Another account already signs in with this email."""


class PartnerMismatch(AccountError):
    """Partner users need an organisation; office staff have none."""


class WeakPassword(AccountError):
    """The password is shorter than the minimum."""


class WrongPassword(AccountError):
    """The current password given to change a password is not the user's."""


class CannotDeactivateSelf(AccountError):
    """An administrator may not lock themself out."""


class AlreadyInState(AccountError):
    """Deactivating an inactive account, or reactivating an active one."""


class UnknownLanguage(AccountError):
    """A language the interface is not translated into."""


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failed sign-ins are allowed in a window, per account and per address."""

    window_minutes: int
    max_per_account: int
    max_per_address: int


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the active user of this session id (`User.get_id`), or None, so a
    deactivated user's sessions, and sessions opened before a password change, stop working
    on their next request."""
    user_id, _dot, tag = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(tag, session_tag(user.password_hash)):
        return None
    return user


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def is_throttled(email: str, address: str, policy: ThrottlePolicy) -> bool:
    """True when recent failures for this account or this address reach the policy's limit.

    The attempts live in the database, so every worker process sees the same counts. A
    successful sign-in forgives the earlier failures of that account only; the address keeps
    its count (signing in to one's own account must not reset guessing at other accounts).
    """
    email = normalise_email(email)
    since = now_utc() - timedelta(minutes=policy.window_minutes)
    last_success: datetime | None = db.session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(True)
        )
    )
    failures = select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False))
    account_since = max(since, last_success) if last_success else since
    by_account = db.session.scalar(
        failures.where(LoginAttempt.email == email, LoginAttempt.attempted_at > account_since)
    )
    if by_account >= policy.max_per_account:
        return True
    by_address = db.session.scalar(
        failures.where(LoginAttempt.address == address, LoginAttempt.attempted_at > since)
    )
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
        raise InvalidEmail(f"not an email address: {email!r}")
    if email_taken(email):
        raise EmailTaken(f"an account with {email} already exists")
    if (role == Role.PARTNER) != (partner_id is not None):
        raise PartnerMismatch("partner users need an organisation, and only partner users have one")
    if language not in LANGUAGES:
        raise UnknownLanguage(f"unknown language: {language}")
    check_password_strength(password)
    user = User(
        email=email, full_name=full_name, role=role, language=language, partner_id=partner_id
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_change(actor_id, "create", user, after=_public_fields(user), summary=email)
    return user


def email_taken(email: str) -> bool:
    """True when an account already uses this email."""
    query = select(User.id).where(User.email == normalise_email(email))
    return db.session.scalar(query) is not None


def _public_fields(user: User) -> dict:
    """The audited fields of an account (never the password hash)."""
    values = snapshot(user)
    values.pop("password_hash", None)
    return values


def check_password_strength(password: str) -> None:
    """Refuse passwords shorter than the minimum."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")


def set_password(user: User, password: str, actor_id: int | None = None) -> None:
    """Replace a user's password (an admin reset or the CLI; the hash is not audited)."""
    check_password_strength(password)
    user.set_password(password)
    record_change(actor_id, "set_password", user, after={"password": "changed"}, summary=user.email)


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """A user replaces their own password, proving they know the current one."""
    if not user.check_password(current_password):
        raise WrongPassword("the current password is not right")
    set_password(user, new_password, actor_id=user.id)


def deactivate_user(user: User, actor_id: int | None = None) -> None:
    """Stop a user from signing in; their history stays and their session ends."""
    if actor_id is not None and actor_id == user.id:
        raise CannotDeactivateSelf("you cannot deactivate your own account")
    if not user.active:
        raise AlreadyInState(f"{user.email} is already deactivated")
    _set_active(user, False, "deactivate", actor_id)


def reactivate_user(user: User, actor_id: int | None = None) -> None:
    """Let a deactivated user sign in again."""
    if user.active:
        raise AlreadyInState(f"{user.email} is already active")
    _set_active(user, True, "reactivate", actor_id)


def _set_active(user: User, active: bool, action: str, actor_id: int | None) -> None:
    before = _public_fields(user)
    user.active = active
    record_change(actor_id, action, user, before=before, after=_public_fields(user), summary=user.email)


def set_language(user: User, language: str) -> None:
    """Remember the interface language a user chose."""
    if language not in LANGUAGES:
        raise UnknownLanguage(f"unknown language: {language}")
    user.language = language
    db.session.flush()
