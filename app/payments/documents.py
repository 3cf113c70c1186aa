"""From the database to the printable documents' plain data (receipts and batch sheets).

Receipts print what the payment recorded (the payee's name, DNI and representative as they were
when it was paid), so a receipt reprinted later reads the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.ledger.models import ServiceKind
from app.operations.models import Departure
from app.payments.models import Payment, PaymentBatch, PaymentStatus
from app.payments.payees import PAYEE_KIND_LABELS
from app.payments.receipts import (
    RECEIPT_LANGUAGE,
    BatchSheetData,
    BatchSheetRow,
    ReceiptData,
    ReceiptLine,
    render_batch_sheet_pdf,
    render_receipt_pdf,
)
from app.registries.models import PayeeKind
from app.templating import payment_method_label

SERVICE_LABELS = {
    ServiceKind.HOMESTAY_NIGHT: _l("Homestay night (per guest)"),
    ServiceKind.WORKSHOP_PARTICIPANT: _l("Weaving workshop (per participant)"),
    ServiceKind.VISITOR_FEE: _l("Community visitor fee (per traveller)"),
    ServiceKind.HOT_SPRINGS: _l("Hot springs (per traveller)"),
    ServiceKind.ARRIERO_DAY: _l("Arriero (per day)"),
    ServiceKind.MULE_DAY: _l("Mule (per day)"),
    ServiceKind.COOK_DAY: _l("Cook (per day)"),
    ServiceKind.PORTER_DAY: _l("Porter (per day)"),
    ServiceKind.GUIDE_DAY: _l("Guide (per day)"),
}


def service_label(service: ServiceKind) -> str:
    """A service's name in the current language."""
    return str(SERVICE_LABELS[ServiceKind(service)])


def operator_name() -> str:
    """The operator's name printed on its documents (config OPERATOR_NAME)."""
    return current_app.config["OPERATOR_NAME"]


def departure_codes(departure_ids: Iterable[int | None]) -> dict[int, str]:
    """Departure codes by id, in one query."""
    ids = {i for i in departure_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Departure.id, Departure.code).where(Departure.id.in_(ids))).all())


def receipt_for(payment: Payment) -> ReceiptData:
    """The receipt of a posted (or voided-after-posting) payment, in the receipts' language."""
    if payment.receipt_number is None:
        raise ValueError("a payment without a receipt number has no receipt")
    codes = departure_codes(a.obligation.departure_id for a in payment.allocations)
    with force_locale(RECEIPT_LANGUAGE):
        lines = [
            ReceiptLine(
                departure_code=codes.get(a.obligation.departure_id),
                service=service_label(a.obligation.service),
                service_date=a.obligation.service_date,
                quantity=a.obligation.quantity,
                unit_rate=a.obligation.unit_rate,
                amount=a.obligation.amount,
                paid=a.amount,
            )
            for a in payment.allocations
        ]
        return ReceiptData(
            operator_name=operator_name(),
            receipt_number=payment.receipt_number,
            issued_at=payment.posted_at or payment.created_at,
            payee_name=payment.payee_name,
            payee_kind_label=str(PAYEE_KIND_LABELS[payment.payee_kind]),
            amount=payment.amount,
            method_label=payment_method_label(payment.method),
            lines=lines,
            document_label="DNI" if payment.payee_kind == PayeeKind.STAFF else None,
            document_number=payment.payee_document,
            representative=payment.representative,
            community_name=payment.community.name if payment.community else None,
            reference=payment.reference,
            paid_by=payment.created_by.full_name,
            approved_by=payment.approved_by.full_name if payment.approved_by else None,
            voided=payment.status == PaymentStatus.VOIDED,
            void_reason=payment.void_reason,
        )


def receipt_pdf(payment: Payment) -> bytes:
    """The receipt PDF of a payment."""
    return render_receipt_pdf(receipt_for(payment))


def batch_sheet_for(batch: PaymentBatch) -> BatchSheetData:
    """The sheet of a batch run: a row and a signature line per payment (voided ones left out)."""
    with force_locale(RECEIPT_LANGUAGE):
        rows = [
            BatchSheetRow(
                receipt_number=payment.receipt_number,
                payee_name=payment.payee_name,
                payee_kind_label=str(PAYEE_KIND_LABELS[payment.payee_kind]),
                document_number=payment.payee_document,
                community_name=payment.community.name if payment.community else None,
                method_label=payment_method_label(payment.method),
                amount=payment.amount,
                obligations=len(payment.allocations),
            )
            for payment in batch.payments
            if payment.status != PaymentStatus.VOIDED
        ]
        return BatchSheetData(
            operator_name=operator_name(),
            batch_number=batch.id,
            created_at=batch.created_at,
            cutoff=batch.cutoff,
            community_name=batch.community.name if batch.community else None,
            created_by=batch.created_by.full_name,
            rows=rows,
        )


def batch_sheet_pdf(batch: PaymentBatch) -> bytes:
    """The batch sheet PDF."""
    return render_batch_sheet_pdf(batch_sheet_for(batch))
