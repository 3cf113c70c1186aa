"""Departure rules: editing, status transitions, confirmation checks.

Services take plain arguments, flush and write the audit trail; the caller commits.
"""

from __future__ import annotations

from app.operations.models import Departure


class OperationsError(ValueError):
    """A change to operations data that breaks a rule; the message says what and why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DepartureLocked(OperationsError):
    """The ledger has posted this departure: it can no longer be edited."""


def assert_departure_editable(departure: Departure) -> None:
    """Refuse any change once the ledger has posted the departure (`posted_at` set)."""
    if departure.posted_at is not None:
        raise DepartureLocked(
            f"departure {departure.code} was posted to the ledger; it can no longer be edited"
        )
