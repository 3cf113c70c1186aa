"""Demo payments: full and partial payments with receipts, one awaiting approval, one voided.

Runs after the ledger's demo (which posts the completed departures) and after the demo users:
it pays what the ledger owes. With nothing owed it does nothing. Deterministic for a seed.
"""

from __future__ import annotations

import random
import uuid
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role
from app.clock import today_lima
from app.extensions import db
from app.payments.models import Payment
from app.payments.services import (
    BatchLine,
    issue_payment,
    preview_batch,
    threshold_in_force,
    void_payment,
)
from app.registries.models import PaymentMethod

TEN = Decimal("10")


def _key(rng: random.Random) -> str:
    """A UUID4 drawn from the demo's random generator (the same every run)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _pay(line: BatchLine, amount: Decimal, method: PaymentMethod, actor: User, rng: random.Random) -> Payment:
    reference = None if method == PaymentMethod.CASH else f"{method.value.upper()}-{rng.randrange(10**6, 10**7)}"
    return issue_payment(
        payee_kind=line.payee.kind, payee_id=line.payee.id,
        obligation_ids=[obligation.id for obligation, _share in line.allocations],
        amount=amount, method=method, reference=reference, idempotency_key=_key(rng), actor_id=actor.id,
    ).payment


def seed_payments(rng: random.Random) -> list[Payment]:
    """Pay part of what is owed: some in full, some partly, one pending approval, one voided."""
    accountant = db.session.scalar(select(User).where(User.role == Role.ACCOUNTANT).order_by(User.id))
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    if accountant is None or admin is None:
        return []
    threshold = threshold_in_force(today_lima())
    lines = sorted(preview_batch(None, today_lima()).lines,
                   key=lambda line: (line.payee.kind.value, line.payee.id))
    made: list[Payment] = []
    big = [line for line in lines if threshold is not None and line.amount > threshold.amount]
    if big:
        pending = big[0]
        made.append(_pay(pending, pending.amount, PaymentMethod.BANK, accountant, rng))  # waits for admin
        lines.remove(pending)
    small = [line for line in lines if threshold is None or line.amount <= threshold.amount]
    for n, line in enumerate(small[: max(len(small) * 2 // 3, 1)]):
        if n % 3 == 2 and line.amount > TEN:
            half = (line.amount / 2).quantize(TEN, rounding=ROUND_DOWN) or TEN
            made.append(_pay(line, half, PaymentMethod.YAPE, accountant, rng))  # a partial payment
        else:
            made.append(_pay(line, line.amount, PaymentMethod.CASH, accountant, rng))
    posted = [payment for payment in made if payment.receipt_number is not None]
    if len(posted) > 1:
        void_payment(posted[1], admin.id, "Pagado a la persona equivocada; se volverá a pagar.")
    return made
