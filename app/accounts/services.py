"""Sign-in, sign-in sessions, throttling and user administration. Services flush; callers commit.

Refusals are named exceptions (subclasses of `AccountError`, a ValueError); views turn them
into messages in the user's language, the CLI prints their English text.
"""

from __future__ import annotations

import functools
import hashlib
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from flask import current_app
from sqlalchemy import BigInteger, ColumnElement, cast, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import (
    LoginAttempt,
    SessionEnd,
    SignInSession,
    User,
    password_hash_method,
    token_digest,
)
from app.accounts.roles import Role
from app.audit.services import record_change, snapshot
from app.clock import now_utc
from app.extensions import db

MIN_PASSWORD_LENGTH = 10
LANGUAGES = ("es", "en")
SESSION_TOKEN_BYTES = 32
# While other attempts' checks fill the limit, a sign-in looks again this often; an attempt
# left unchecked this long (its worker died mid-check) counts as a failure.
IN_FLIGHT_POLL_SECONDS = 0.05
IN_FLIGHT_STALE_SECONDS = 60


@functools.cache
def dummy_password_hash(method: str) -> str:
    """A hash, by `method` (the one `User.set_password` uses), of a random password nobody kept.

    A sign-in with no active account behind it is checked against this, so a refusal costs one
    hash check whether or not the email exists, and the response time tells no addresses.
    """
    return generate_password_hash(secrets.token_urlsafe(32), method=method)


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


class TooManyFailures(AccountError):
    """Recent failed sign-ins for this account or this address reached the limit."""


class SignInsBusy(AccountError):
    """So many sign-ins for this account or address are being checked at once that this one
    waited its longest for room under the limit."""


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failed sign-ins are allowed in a window, per account and per address, and how
    long a sign-in waits for room while attempts still being checked fill the limit."""

    window_minutes: int
    max_per_account: int
    max_per_address: int
    in_flight_wait_seconds: float = 10.0


# --- Sign-in sessions ---------------------------------------------------------------------------


def start_session(user: User, address: str) -> str:
    """Open a sign-in session for `user` from `address`; return its token (the cookie's id)."""
    token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    db.session.add(SignInSession(user_id=user.id, token_digest=token_digest(token),
                                 address=address[:64]))
    db.session.flush()
    user.session_token = token
    return token


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the active user of this open, not yet expired sign-in session, or
    None, so a session ended on the server stops working on its next request."""
    max_age = timedelta(hours=current_app.config["SIGN_IN_SESSION_HOURS"])
    user = db.session.scalar(
        select(User).join(SignInSession, SignInSession.user_id == User.id).where(
            SignInSession.token_digest == token_digest(session_id),
            SignInSession.ended_at.is_(None),
            SignInSession.started_at > now_utc() - max_age,
            User.active.is_(True),
        )
    )
    if user is not None:
        user.session_token = session_id
    return user


def end_session(token: str, reason: SessionEnd = SessionEnd.SIGNED_OUT) -> None:
    """End the one sign-in session this token opens (signing out on one browser)."""
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.token_digest == token_digest(token), SignInSession.ended_at.is_(None))
        .values(ended_at=now_utc(), end_reason=reason)
    )


def end_all_sessions(user: User, reason: SessionEnd) -> None:
    """End every open sign-in session of `user`, on every browser."""
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.user_id == user.id, SignInSession.ended_at.is_(None))
        .values(ended_at=now_utc(), end_reason=reason)
    )


# --- Signing in and throttling ------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


class Budget(Enum):
    """Where an account or an address stands against its failure limit."""

    OPEN = "open"  # a guess may be checked
    IN_FLIGHT = "in_flight"  # the limit is reached only by attempts still being checked
    SPENT = "spent"  # the limit is reached by failures: refuse


def sign_in_budget(email: str, address: str, policy: ThrottlePolicy) -> Budget:
    """How this account and this address stand against the policy's failure limits.

    The attempts live in the database, so every worker process sees the same counts. An attempt
    being checked counts against the limit (it may fail), so simultaneous guesses cannot all
    get through; one left unchecked for IN_FLIGHT_STALE_SECONDS (its worker died) is a failure.
    A successful sign-in forgives the earlier failures of that account only; the address keeps
    its count (signing in to one's own account must not reset guessing at other accounts).
    The answer holds only under the lock `begin_sign_in` takes before asking.
    """
    email = normalise_email(email)
    now = now_utc()
    since = now - timedelta(minutes=policy.window_minutes)
    stale = now - timedelta(seconds=IN_FLIGHT_STALE_SECONDS)
    last_success: datetime | None = db.session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(True)
        )
    )
    in_flight = LoginAttempt.succeeded.is_(None) & (LoginAttempt.attempted_at > stale)
    counts = select(func.count(LoginAttempt.id).filter(~in_flight),
                    func.count(LoginAttempt.id).filter(in_flight)).where(
        LoginAttempt.succeeded.is_not(True))
    account_since = max(since, last_success) if last_success else since
    by_account = db.session.execute(
        counts.where(LoginAttempt.email == email, LoginAttempt.attempted_at > account_since)).one()
    by_address = db.session.execute(
        counts.where(LoginAttempt.address == address, LoginAttempt.attempted_at > since)).one()
    budgets = [_budget(*by_account, policy.max_per_account),
               _budget(*by_address, policy.max_per_address)]
    for budget in (Budget.SPENT, Budget.IN_FLIGHT):
        if budget in budgets:
            return budget
    return Budget.OPEN


def _budget(failed: int, in_flight: int, limit: int) -> Budget:
    if failed >= limit:
        return Budget.SPENT
    return Budget.IN_FLIGHT if failed + in_flight >= limit else Budget.OPEN


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in attempt recorded as being checked, waiting for its password to be checked."""

    attempt_id: int
    user_id: int | None  # None: no active account has this email
    password_hash: str  # the account's, or dummy_password_hash's, so both cost one hash check


def begin_sign_in(email: str, address: str, policy: ThrottlePolicy) -> PendingSignIn:
    """Record a sign-in attempt as being checked, counted against the account and the address.

    Raises TooManyFailures, recording nothing, when either has used up its failures. The count
    and the record are one step: both happen under a lock on the account and on the address
    (`_lock_sign_in`), so guesses sent at the same instant queue instead of all passing the
    count. When only attempts still being checked fill the limit, it waits (the lock let go)
    for them to finish rather than refuse, so an office of many people signing in at once from
    one address gets in; SignInsBusy when the wait is over and there is still no room. The
    caller commits before `finish_sign_in`, so the attempt counts for every worker and the lock
    is not held through the slow hash check.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_sign_in() must run before anything is changed")
    email = normalise_email(email)[:254]
    address = address[:64]
    give_up = time.monotonic() + policy.in_flight_wait_seconds
    waiting = False
    while True:
        if not waiting:
            _lock_sign_in(email, address)
        budget = sign_in_budget(email, address, policy)
        if budget is Budget.SPENT:
            raise TooManyFailures("too many failed sign-ins; wait and try again")
        if budget is Budget.OPEN and not waiting:
            break  # counted under the lock: this attempt may go ahead
        if budget is Budget.IN_FLIGHT:
            if time.monotonic() >= give_up:
                raise SignInsBusy("too many sign-ins being checked at once; try again")
            session.rollback()  # only reads so far (checked above): this lets go of the lock
            time.sleep(IN_FLIGHT_POLL_SECONDS * (1 + random.random()))  # jitter, not a secret
        # While waiting, look without the lock (a writer's lock on SQLite); once the look finds
        # room, take the lock and count again.
        waiting = budget is Budget.IN_FLIGHT
    user = db.session.scalar(select(User).where(User.email == email))
    attempt = LoginAttempt(email=email, address=address, succeeded=None)
    db.session.add(attempt)
    db.session.flush()
    if user is None or not user.active:
        return PendingSignIn(attempt.id, None, dummy_password_hash(password_hash_method()))
    return PendingSignIn(attempt.id, user.id, user.password_hash)


def finish_sign_in(pending: PendingSignIn, password: str) -> User | None:
    """Check the password and record the attempt's outcome: the user when right, else None.

    Unknown and inactive emails are checked against the dummy hash: one hash check whatever the
    email, so a refusal takes as long whether or not the account exists. An account deactivated
    or given a new password since `begin_sign_in` is refused.
    """
    right = check_password_hash(pending.password_hash, password)
    _begin_writing()
    user = db.session.get(User, pending.user_id) if right and pending.user_id else None
    if user is not None and (not user.active or user.password_hash != pending.password_hash):
        user = None
    db.session.execute(update(LoginAttempt).where(LoginAttempt.id == pending.attempt_id)
                       .values(succeeded=user is not None))
    return user


def _lock_sign_in(email: str, address: str) -> None:
    """Hold, until the transaction ends, the lock on this account's and this address's attempts.

    PostgreSQL: two transaction-level advisory locks, always the account's first (one order, no
    deadlock); only sign-ins to the same account or from the same address wait for each other.
    SQLite has one write lock for the whole database, taken when a transaction begins IMMEDIATE.
    """
    session = db.session()  # the Session itself (the scoped proxy lacks in_transaction)
    if session.get_bind().dialect.name == "postgresql":
        for kind, value in (("account", email), ("address", address)):
            session.execute(select(func.pg_advisory_xact_lock(_advisory_key(kind, value))))
    else:
        _hold_sqlite_write_lock(session)


def _advisory_key(kind: str, value: str) -> ColumnElement[int]:
    """A signed 64-bit key for `pg_advisory_xact_lock` (a collision only makes two wait)."""
    digest = hashlib.sha256(f"lares sign-in {kind} {value}".encode()).digest()
    return cast(int.from_bytes(digest[:8], "big", signed=True), BigInteger)


def _begin_writing() -> None:
    """On SQLite, hold the write lock before reading what will be written (PostgreSQL: nothing).

    A deferred SQLite transaction that reads and then writes fails at once ("database is
    locked") when another connection wrote in between; one begun IMMEDIATE waits its turn.
    """
    session = db.session()
    if session.get_bind().dialect.name == "sqlite":
        _hold_sqlite_write_lock(session)


def _hold_sqlite_write_lock(session: Session) -> None:
    """Make sure the transaction began IMMEDIATE (holding SQLite's write lock).

    A transaction already begun (loading the signed-in user reads) holds no write lock, and
    SQLAlchemy ignores execution options on a connection in use: it is ended (nothing is pending
    in it; this is checked) and the next one begins IMMEDIATE (`app.database._begin_sqlite`).
    A transaction already begun IMMEDIATE is kept.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("the write lock must be taken before anything is changed")
    if session.in_transaction():
        if session.connection().get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            return
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


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
    """Replace a user's password, ending all their sign-in sessions (the hash is not audited)."""
    check_password_strength(password)
    user.set_password(password)
    end_all_sessions(user, SessionEnd.PASSWORD_CHANGED)
    record_change(actor_id, "set_password", user, after={"password": "changed"}, summary=user.email)


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """A user replaces their own password, proving they know the current one; every session of
    theirs ends, this browser's too (the caller opens it a new one: a new token after a change)."""
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
    end_all_sessions(user, SessionEnd.DEACTIVATED)


def reactivate_user(user: User, actor_id: int | None = None) -> None:
    """Let a deactivated user sign in again, afresh: no session from before comes back."""
    if user.active:
        raise AlreadyInState(f"{user.email} is already active")
    # Deactivating ended them; this also ends any left by a flag flipped outside these services.
    end_all_sessions(user, SessionEnd.DEACTIVATED)
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
