"""The ledger's named refusals. Each is a `ValueError`, so views can show its message."""

from __future__ import annotations


class LedgerError(ValueError):
    """A ledger operation refused: nothing was written."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidAmount(LedgerError):
    """Zero, negative, over-precise or non-numeric amount."""


class UnbalancedEntry(LedgerError):
    """Debits and credits differ, or an entry has fewer than two lines."""


class PeriodClosed(LedgerError):
    """The date falls inside a closed month."""


class PeriodError(LedgerError):
    """Closing a month that has not ended, closing twice, reopening an open month..."""


class DuplicateTransfer(LedgerError):
    """A transfer id already used for a different entry."""


class AlreadyReversed(LedgerError):
    """The entry was reversed already (an entry is reversed at most once)."""


class NotReversible(LedgerError):
    """The entry cannot be reversed (a reversal, or paid obligations hang on it)."""


class AlreadyPosted(LedgerError):
    """The departure's obligations were posted already."""


class NothingToPost(LedgerError):
    """No service with a quantity: no entry to post."""


class MissingRate(LedgerError):
    """No rate on the rate card in force on the service date."""


class MissingExchangeRate(LedgerError):
    """No USD→PEN exchange rate in force on the date."""


class ObligationError(LedgerError):
    """An obligation cannot change that way (voiding a paid or voided obligation...)."""
