"""Many accounts quickly: one scrypt hash computed once and shared (hashing costs ~80 ms)."""

from __future__ import annotations

import itertools
from functools import cache

from werkzeug.security import generate_password_hash

from app.accounts.models import User
from app.accounts.roles import Role

_numbers = itertools.count(1)
BULK_PASSWORD = "bulk-accounts-2026"  # every account `many_users` makes signs in with it


@cache
def shared_hash() -> str:
    return generate_password_hash(BULK_PASSWORD, method="scrypt")


def many_users(session, count: int, role: Role = Role.MANAGER, name: str = "Reader {n:02d}", partner=None) -> list[User]:
    """`count` accounts named from `name` (`{n}` numbers them from 0), flushed."""
    users = []
    for n in range(count):
        serial = next(_numbers)
        users.append(User(email=f"bulk{serial}@lares.example", full_name=name.format(n=n), role=role,
                          language="en", password_hash=shared_hash(), partner=partner))
    session.add_all(users)
    session.flush()
    return users
