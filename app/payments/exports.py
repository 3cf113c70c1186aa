"""Payments as CSV or XLSX, through the ledger's exporter (one row per payment)."""

from __future__ import annotations

from app.ledger.exporting import Column

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PAYMENT_COLUMNS = [
    Column("payment", lambda p: p.id),
    Column("receipt", lambda p: p.receipt_label),
    Column("payment_date", lambda p: p.payment_date),
    Column("status", lambda p: p.status),
    Column("payee_kind", lambda p: p.payee_kind),
    Column("payee_id", lambda p: p.payee_id),
    Column("payee", lambda p: p.payee_name),
    Column("dni", lambda p: p.payee_document),
    Column("community", lambda p: p.community.name if p.community else None),
    Column("method", lambda p: p.method),
    Column("reference", lambda p: p.reference),
    Column("amount", lambda p: p.amount, money=True),
    Column("batch", lambda p: p.batch_id),
    Column("entry", lambda p: p.entry_id),
    Column("void_entry", lambda p: p.void_entry_id),
    Column("created_by", lambda p: p.created_by.email),
    Column("created_at", lambda p: p.created_at),
    Column("approved_by", lambda p: p.approved_by.email if p.approved_by else None),
    Column("voided_at", lambda p: p.voided_at),
    Column("void_reason", lambda p: p.void_reason),
    Column("idempotency_key", lambda p: p.idempotency_key),
]
