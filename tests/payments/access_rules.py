"""Who may open each payments page (collected by the route x role matrix test)."""

from app.accounts.roles import Role
from app.payments.models import Payment, PaymentBatch

PAYERS = {Role.ADMIN, Role.ACCOUNTANT}

EXPECTED_ACCESS = {
    "payments.payment_list": PAYERS,
    "payments.payment_export": PAYERS,
    "payments.payment_detail": PAYERS,
    "payments.payment_receipt": PAYERS,
    "payments.payment_new": PAYERS,
    "payments.payment_approve": PAYERS,
    "payments.payment_void": PAYERS,
    "payments.approval_list": PAYERS,
    "payments.threshold_settings": {Role.ADMIN},
    "payments.batch_list": PAYERS,
    "payments.batch_new": PAYERS,
    "payments.batch_detail": PAYERS,
    "payments.batch_sheet": PAYERS,
}

URL_PARAMS = {
    "payment_id": lambda: first_receipted_payment_id(),
    "batch_id": PaymentBatch,
    "fmt": "csv",
}


# The payment form shows only once a payee is chosen: a homestay family that is owed something.
FORM_PAGE_QUERY = {"payments.payment_new": lambda: payee_with_open_obligations()}


def payee_with_open_obligations() -> dict[str, str]:
    """The query arguments of the payment form of the first family with an open obligation."""
    from sqlalchemy import select

    from app.extensions import db
    from app.ledger.models import Obligation, ObligationStatus
    from app.registries.models import PayeeKind

    payee_id = db.session.scalar(
        select(Obligation.payee_id)
        .where(Obligation.payee_kind == PayeeKind.FAMILY, Obligation.status == ObligationStatus.OPEN)
        .order_by(Obligation.id).limit(1)
    )
    return {"payee_kind": PayeeKind.FAMILY.value, "payee_id": str(payee_id)}


def first_receipted_payment_id() -> int:
    """Pending payments have no receipt yet: walk the first payment that has one."""
    from sqlalchemy import select

    from app.extensions import db

    return db.session.scalar(
        select(Payment.id).where(Payment.receipt_number.is_not(None)).order_by(Payment.id).limit(1)
    )
