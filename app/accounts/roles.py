"""Roles and the access rule every view declares.

Every view carries an `allowed_roles` rule set by `roles_required` (or `public`). The app
refuses, before the view runs, any request whose endpoint declares no rule, so a new route
cannot be reachable by accident; the route x role matrix test walks them all.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, request
from flask_login import current_user

from app.extensions import login_manager

F = TypeVar("F", bound=Callable)


class Role(str, enum.Enum):
    """What a user may do: run the office, plan treks, keep the money, or read reports."""

    ADMIN = "admin"
    MANAGER = "manager"
    ACCOUNTANT = "accountant"
    PARTNER = "partner"


ALL_ROLES = frozenset(Role)
STAFF_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT})
PUBLIC = "public"


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let only signed-in users holding one of `roles` reach the view."""
    allowed = frozenset(roles)

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        guarded.allowed_roles = allowed  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view reachable without signing in (login page, static files, verify page)."""
    view.allowed_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def refuse_undeclared_endpoints(app) -> None:
    """Install the guard that refuses (403) any endpoint that declares no access rule."""

    @app.before_request
    def _require_access_rule():
        if request.endpoint is None:
            return None
        view = app.view_functions.get(request.endpoint)
        if request.endpoint == "static" or getattr(view, "allowed_roles", None) is not None:
            return None
        abort(403)
