"""The receipt a payee signs and the batch sheet, rendered from plain data and read back."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.payments.receipts import (
    BatchSheetData,
    BatchSheetRow,
    ReceiptData,
    ReceiptLine,
    render_batch_sheet_pdf,
    render_receipt_pdf,
)


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, pages joined, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def a_receipt(**overrides) -> ReceiptData:
    values = dict(
        operator_name="Lares Andean Treks",
        receipt_number=42,
        # 03:30 UTC on the 16th is still the 15th in Lima.
        issued_at=datetime(2026, 6, 16, 3, 30, tzinfo=UTC),
        payee_name="Justina Ñaupa Huillca",
        payee_kind_label="Familia anfitriona",
        amount=Decimal("1234.50"),
        method_label="Efectivo",
        lines=[
            ReceiptLine("LAR-2026-06-14-A", "Noche de hospedaje", date(2026, 6, 14), 4,
                        Decimal("60.00"), Decimal("240.00"), Decimal("240.00")),
            ReceiptLine("LAR-2026-06-20-B", "Taller de tejido", date(2026, 6, 20), 40,
                        Decimal("25.00"), Decimal("1000.00"), Decimal("994.50")),
        ],
        community_name="Huacahuasi",
        paid_by="Rosa Condori",
    )
    values.update(overrides)
    return ReceiptData(**values)


@pytest.fixture
def receipt_text(ctx):
    return lambda **overrides: pdf_text(render_receipt_pdf(a_receipt(**overrides)))


def test_receipt_shows_payee_amount_in_figures_and_words_and_signature_box(receipt_text):
    text = receipt_text()
    assert "RECIBO DE PAGO" in text and "N.º 000042" in text
    assert "Lares Andean Treks" in text
    assert "15/06/2026" in text  # the Lima date
    assert "Justina Ñaupa Huillca" in text and "Huacahuasi" in text
    assert "S/ 1,234.50" in text
    assert "MIL DOSCIENTOS TREINTA Y CUATRO Y 50/100 SOLES" in text
    assert "LAR-2026-06-14-A" in text and "Noche de hospedaje" in text and "S/ 60.00" in text
    assert "Firma o huella digital" in text
    assert "Efectivo" in text
    assert "ANULADO" not in text


def test_staff_receipt_shows_dni_and_wallet_reference(receipt_text):
    text = receipt_text(payee_name="Wilber Quispe Mamani", payee_kind_label="Personal",
                        document_label="DNI", document_number="45678912",
                        method_label="Yape", reference="OP-778812")
    assert "DNI 45678912" in text
    assert "Yape" in text and "OP-778812" in text


def test_voided_receipt_keeps_its_number_and_says_anulado(receipt_text):
    text = receipt_text(voided=True, void_reason="monto equivocado")
    assert "N.º 000042" in text
    assert "ANULADO" in text and "monto equivocado" in text


def test_receipt_is_in_spanish_whatever_the_interface_language(app, receipt_text):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = receipt_text()
    assert "RECIBO DE PAGO" in text and "PAYMENT RECEIPT" not in text


def test_batch_sheet_lists_every_payee_with_a_signature_line(ctx):
    rows = [
        BatchSheetRow(receipt_number=100 + n, payee_name=f"Porteador Ñahui {n}",
                      payee_kind_label="Personal", document_number=f"4000{n:04d}",
                      community_name="Cuncani", method_label="Efectivo",
                      amount=Decimal("170.00") * n, obligations=n)
        for n in range(1, 31)
    ]
    rows.append(BatchSheetRow(None, "Familia Huaman", "Familia anfitriona", None, "Cuncani",
                              "Efectivo", Decimal("1500.00"), 2))
    sheet = BatchSheetData(operator_name="Lares Andean Treks", batch_number=7,
                           created_at=datetime(2026, 6, 16, 15, 0, tzinfo=UTC),
                           cutoff=date(2026, 6, 15), community_name="Cuncani",
                           created_by="Rosa Condori", rows=rows)
    pdf = render_batch_sheet_pdf(sheet)
    text = pdf_text(pdf)
    assert "PLANILLA DE PAGOS" in text and "15/06/2026" in text
    for n in range(1, 31):
        assert f"Porteador Ñahui {n} " in text and f"000{100 + n}" in text
    assert "pendiente" in text  # the pending payment has no receipt number yet
    assert "S/ 80,550.00" in text  # 170 x (1+...+30) + 1,500
    assert "Total (31 beneficiarios)" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2  # rows are never squeezed to fit one page
