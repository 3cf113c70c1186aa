"""The named refusals of operations; each message says what was refused and why."""

from __future__ import annotations


class OperationsError(ValueError):
    """A change to operations data that breaks a rule; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DepartureLocked(OperationsError):
    """The ledger has posted this departure: it can no longer be edited."""


class TransitionRefused(OperationsError):
    """A status change the state machine does not allow."""


class DepartureNotReady(TransitionRefused):
    """Confirming refused: `gaps` lists everything still missing."""

    def __init__(self, message: str, gaps: list) -> None:
        super().__init__(message)
        self.gaps = gaps


class AssignmentRefused(OperationsError):
    """A staff assignment that breaks a rule (overlap, age, wage, role...)."""


class AllocationRefused(OperationsError):
    """A homestay allocation that breaks a rule (beds, community, reason...)."""
