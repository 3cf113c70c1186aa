"""`flask ledger verify` checks about payments (registered in the ledger's check registry)."""

from __future__ import annotations

from sqlalchemy import func, select, type_coerce

from app.extensions import db
from app.ledger.models import JournalEntry
from app.ledger.verification import register_check
from app.money import Money
from app.payments.models import Payment, PaymentAllocation, PaymentStatus, ReceiptSequence
from app.payments.services import RECEIPTS


@register_check("receipt_sequence")
def receipt_sequence() -> list[str]:
    """Receipt numbers run 1, 2, 3... with no gap and no repeat, and the counter agrees."""
    numbers = list(db.session.scalars(
        select(Payment.receipt_number).where(Payment.receipt_number.is_not(None)).order_by(Payment.receipt_number)))
    problems = []
    expected = list(range(1, len(numbers) + 1))
    if numbers != expected:
        missing = sorted(set(range(1, (numbers[-1] if numbers else 0) + 1)) - set(numbers))
        problems.append("receipt numbers missing from the sequence: " + ", ".join(map(str, missing[:20])))
    last = db.session.scalar(select(ReceiptSequence.last_number).where(ReceiptSequence.name == RECEIPTS)) or 0
    if last != len(numbers):
        problems.append(f"the receipt counter says {last} receipts were issued, the payments hold {len(numbers)}")
    return problems


@register_check("payments_match_journal")
def payments_match_journal() -> list[str]:
    """Each payment's allocations sum to its amount; each posted one has its entry of that size."""
    problems = []
    allocated = (select(PaymentAllocation.payment_id,
                        type_coerce(func.sum(PaymentAllocation.amount), Money()).label("total"))
                 .group_by(PaymentAllocation.payment_id).subquery())
    rows = db.session.execute(
        select(Payment.id, Payment.amount, Payment.status, Payment.idempotency_key, allocated.c.total,
               JournalEntry.transfer_id)
        .outerjoin(allocated, allocated.c.payment_id == Payment.id)
        .outerjoin(JournalEntry, JournalEntry.id == Payment.entry_id)
    )
    for payment_id, amount, status, key, total, transfer_id in rows:
        if total != amount:
            problems.append(f"payment #{payment_id}: allocations do not add up to its amount")
        if status == PaymentStatus.POSTED and transfer_id != key:
            problems.append(f"payment #{payment_id}: its journal entry is missing or has another transfer id")
    return problems
