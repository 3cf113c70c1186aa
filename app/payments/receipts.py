"""Printable payment documents: the receipt a payee signs and the batch sheet of a batch run.

The renderers take plain data (the dataclasses below), never the database, so a receipt can be
reprinted byte-for-byte from what the payment recorded, and tested without one. Templates and the
stylesheet live in `reports/receipt/`; the documents are always in Spanish (the payee's copy),
whatever the accountant's interface language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from jinja2 import FileSystemLoader
from weasyprint import HTML

from app.clock import to_lima
from app.payments.amount_words import amount_in_words

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
RECEIPT_LANGUAGE = "es"


@dataclass(frozen=True)
class ReceiptLine:
    """One thing the payment settles: a service delivered on a departure."""

    departure_code: str | None
    service: str
    service_date: date | None
    quantity: int
    unit_rate: Decimal
    amount: Decimal
    paid: Decimal


@dataclass(frozen=True)
class ReceiptData:
    """Everything a receipt shows, already resolved to text and exact amounts."""

    operator_name: str
    receipt_number: int
    issued_at: datetime
    payee_name: str
    payee_kind_label: str
    amount: Decimal
    method_label: str
    lines: list[ReceiptLine] = field(default_factory=list)
    document_label: str | None = None  # "DNI" for staff
    document_number: str | None = None
    representative: str | None = None  # the household head, contact or treasurer who signs
    community_name: str | None = None
    reference: str | None = None
    paid_by: str | None = None
    approved_by: str | None = None
    voided: bool = False
    void_reason: str | None = None

    @property
    def amount_words(self) -> str:
        """The amount in words, as the receipt prints it."""
        return amount_in_words(self.amount)

    @property
    def issued_at_lima(self) -> datetime:
        """When the receipt was issued, on Lima's clock."""
        return to_lima(self.issued_at)


@dataclass(frozen=True)
class BatchSheetRow:
    """One payee of a batch run: what is paid and where they sign."""

    receipt_number: int | None
    payee_name: str
    payee_kind_label: str
    document_number: str | None
    community_name: str | None
    method_label: str
    amount: Decimal
    obligations: int


@dataclass(frozen=True)
class BatchSheetData:
    """The one printable page set of a batch run, with a signature line per payee."""

    operator_name: str
    batch_number: int
    created_at: datetime
    cutoff: date
    community_name: str | None
    created_by: str | None
    rows: list[BatchSheetRow]

    @property
    def total(self) -> Decimal:
        """The sum of the batch's payments."""
        return sum((row.amount for row in self.rows), Decimal("0.00"))

    @property
    def created_on(self) -> date:
        """The batch's calendar date in Lima."""
        return to_lima(self.created_at).date()


def render_report_pdf(template_name: str, **context) -> bytes:
    """Render a template under `reports/` to PDF bytes, in the receipts' language (Spanish)."""
    environment = current_app.jinja_env.overlay(loader=FileSystemLoader(str(REPORTS_DIR)))
    with force_locale(RECEIPT_LANGUAGE):
        html = environment.get_template(template_name).render(**context)
    return HTML(string=html, base_url=str(REPORTS_DIR)).write_pdf()


def render_receipt_pdf(receipt: ReceiptData) -> bytes:
    """The payment receipt, with the amount in figures and words and a signature box."""
    return render_report_pdf("receipt/receipt.html", receipt=receipt)


def render_batch_sheet_pdf(sheet: BatchSheetData) -> bytes:
    """The batch run's sheet: every payee, amount and signature line."""
    return render_report_pdf("receipt/batch_sheet.html", sheet=sheet)
