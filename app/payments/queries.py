"""Read side of payments: the filtered list, pending approvals, a payee's open obligations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import lazyload

from app.extensions import db
from app.ledger.models import Obligation, ObligationStatus
from app.payments.models import Payment, PaymentBatch, PaymentStatus
from app.payments.payees import PayeeInfo
from app.payments.services import ZERO, payable_now, reserved_by_pending
from app.registries.models import PayeeKind, PaymentMethod
from app.registries.queries import search_text


def payments_query(status: PaymentStatus | None = None, method: PaymentMethod | None = None,
                   payee_kind: PayeeKind | None = None,
                   date_from: date | None = None, date_to: date | None = None,
                   search: str | None = None) -> Select:
    """Payments, newest first, filtered; the list page's one query (allocations not loaded)."""
    query = select(Payment).options(lazyload(Payment.allocations)).order_by(
        Payment.payment_date.desc(), Payment.id.desc())
    if status:
        query = query.where(Payment.status == status)
    if method:
        query = query.where(Payment.method == method)
    if payee_kind:
        query = query.where(Payment.payee_kind == payee_kind)
    if date_from:
        query = query.where(Payment.payment_date >= date_from)
    if date_to:
        query = query.where(Payment.payment_date <= date_to)
    return search_text(query, search, Payment.payee_name)


def pending_payments_query() -> Select:
    """Payments awaiting a second person's approval, oldest first."""
    return (select(Payment).options(lazyload(Payment.allocations))
            .where(Payment.status == PaymentStatus.PENDING).order_by(Payment.created_at, Payment.id))


def batches_query() -> Select:
    """Batch runs, newest first."""
    return (select(PaymentBatch).options(lazyload(PaymentBatch.payments))
            .order_by(PaymentBatch.created_at.desc(), PaymentBatch.id.desc()))


def open_obligations(payee: PayeeInfo) -> list[tuple[Obligation, object]]:
    """The payee's open obligations, oldest first, each with what can be paid on it now."""
    obligations = list(db.session.scalars(
        select(Obligation)
        .where(Obligation.payee_kind == payee.kind, Obligation.payee_id == payee.id,
               Obligation.status == ObligationStatus.OPEN)
        .order_by(Obligation.service_date, Obligation.id)
    ))
    reserved = reserved_by_pending(o.id for o in obligations)
    return [(o, payable_now(o, reserved.get(o.id, ZERO))) for o in obligations]
