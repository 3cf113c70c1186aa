"""The payments' named refusals. Each is a `ValueError` whose message the user can read."""

from __future__ import annotations


class PaymentError(ValueError):
    """A payment refused: nothing was written."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidPaymentAmount(PaymentError):
    """Zero, negative, over-precise or non-numeric amount."""


class OverpaymentRefused(PaymentError):
    """The amount is more than what the chosen obligations still owe."""


class ObligationVoided(PaymentError):
    """One of the obligations was voided: nothing is owed on it."""


class ObligationNotPayable(PaymentError):
    """An obligation that does not exist or belongs to another payee."""


class PayeeNotFound(PaymentError):
    """No such community, family, association or staff member."""


class PayeeArchived(PaymentError):
    """The payee was archived; restore it before paying it."""


class ReferenceRequired(PaymentError):
    """A bank transfer, Yape or Plin payment without its operation number."""


class InvalidPaymentDate(PaymentError):
    """A payment dated in the future."""


class IdempotencyKeyInvalid(PaymentError):
    """The form's key is missing, malformed, or was not issued for this payee (forged)."""


class IdempotencyKeyReused(PaymentError):
    """The key already made a payment (or batch) for another payee or amount."""


class NothingToPay(PaymentError):
    """A batch run that finds nothing open."""


class PaymentTransitionError(PaymentError):
    """A status change the payment's state machine does not allow."""


class PaymentAlreadyApproved(PaymentTransitionError):
    """Approving a payment that is already approved and posted."""


class PaymentAlreadyVoided(PaymentTransitionError):
    """Approving or voiding a payment that is already voided."""


class SelfApprovalRefused(PaymentTransitionError):
    """The person who made a payment cannot approve it."""


class VoidReasonRequired(PaymentTransitionError):
    """Voiding without saying why."""
