"""Payments against obligations, their receipts, batch runs and the approval threshold.

Invariants (kept by `app.payments.services`, guarded again by the constraints below):
- a payment pays one payee; its allocations sum to its amount and each is > 0;
- a payment is pending (no receipt number, no journal entry), posted (both set) or voided;
  a voided payment that had been posted keeps its receipt number and its entry (reversed);
- receipt numbers are 1, 2, 3... with no gap: they are handed out by `ReceiptSequence` inside
  the posting transaction, so a rolled-back posting gives its number back;
- an idempotency key makes at most one payment (UNIQUE), and its journal entry's `transfer_id`
  is the same key;
- nobody approves their own payment.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import UTCDateTime, now_utc
from app.database import enum_column_type
from app.extensions import db
from app.money import Money
from app.registries.models import PayeeKind, PaymentMethod


class PaymentStatus(str, enum.Enum):
    """Two-phase: pending (awaiting a second person), then posted or voided, each at most once."""

    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class Payment(db.Model):
    """Money handed to one payee against one or more of its obligations."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "method = 'cash' OR (reference IS NOT NULL AND length(reference) > 0)",
            name="reference_unless_cash",
        ),
        CheckConstraint(
            "status <> 'pending' OR (receipt_number IS NULL AND entry_id IS NULL AND posted_at IS NULL)",
            name="pending_has_no_receipt",
        ),
        CheckConstraint(
            "status <> 'posted' OR (receipt_number IS NOT NULL AND entry_id IS NOT NULL AND posted_at IS NOT NULL)",
            name="posted_has_receipt",
        ),
        CheckConstraint(
            "status <> 'voided' OR (voided_at IS NOT NULL AND voided_by_id IS NOT NULL AND void_reason IS NOT NULL)",
            name="voided_says_why",
        ),
        CheckConstraint("(receipt_number IS NULL) = (entry_id IS NULL)", name="receipt_with_entry"),
        CheckConstraint("receipt_number IS NULL OR receipt_number > 0", name="receipt_number_positive"),
        CheckConstraint(
            "approved_by_id IS NULL OR approved_by_id <> created_by_id", name="no_self_approval"
        ),
        Index("ix_payments_payee", "payee_kind", "payee_id"),
        Index("ix_payments_status_date", "status", "payment_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_number: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    payee_kind: Mapped[PayeeKind] = mapped_column(enum_column_type(PayeeKind, "payee_kind"))
    payee_id: Mapped[int] = mapped_column(Integer)
    # What the receipt prints, as it was when the payment was made (registries can change later).
    payee_name: Mapped[str] = mapped_column(String(200))
    payee_document: Mapped[str | None] = mapped_column(String(20), nullable=True)
    representative: Mapped[str | None] = mapped_column(String(120), nullable=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id"), nullable=True, index=True
    )
    method: Mapped[PaymentMethod] = mapped_column(enum_column_type(PaymentMethod, "payment_method"))
    reference: Mapped[str | None] = mapped_column(String(80), nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    payment_date: Mapped[date] = mapped_column(Date)
    status: Mapped[PaymentStatus] = mapped_column(
        enum_column_type(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_batches.id"), nullable=True, index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, unique=True
    )
    void_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, unique=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", order_by="PaymentAllocation.id", lazy="selectin",
        cascade="all, delete-orphan",
    )
    community = relationship("Community", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")
    approved_by = relationship("User", foreign_keys=[approved_by_id], lazy="joined")
    voided_by = relationship("User", foreign_keys=[voided_by_id], lazy="joined")
    batch: Mapped[PaymentBatch | None] = relationship(back_populates="payments")

    @property
    def receipt_label(self) -> str:
        """`000042`, or an empty string while the payment has no receipt."""
        return f"{self.receipt_number:06d}" if self.receipt_number else ""

    def __str__(self) -> str:
        return f"{self.receipt_label or '#' + str(self.id)} {self.payee_name}"


class PaymentAllocation(db.Model):
    """The part of a payment that settles one obligation."""

    __tablename__ = "payment_allocations"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("payment_id", "obligation_id", name="uq_payment_allocations_payment_obligation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    obligation = relationship("Obligation", lazy="joined", innerjoin=True)


class PaymentBatch(db.Model):
    """A batch run: one payment per payee for everything open up to a cut-off date."""

    __tablename__ = "payment_batches"
    __table_args__ = (
        CheckConstraint("payment_count >= 0", name="payment_count_positive"),
        CheckConstraint("total >= 0", name="total_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), nullable=True)
    cutoff: Mapped[date] = mapped_column(Date)
    payment_date: Mapped[date] = mapped_column(Date)
    method: Mapped[PaymentMethod] = mapped_column(enum_column_type(PaymentMethod, "payment_method"))
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    payment_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    community = relationship("Community", lazy="joined")
    created_by = relationship("User", lazy="joined")
    payments: Mapped[list[Payment]] = relationship(
        back_populates="batch", order_by="Payment.id", lazy="selectin"
    )

    def __str__(self) -> str:
        return f"#{self.id}"


class ReceiptSequence(db.Model):
    """The last receipt number handed out; its row is locked while a posting takes the next."""

    __tablename__ = "receipt_sequences"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_positive"),)

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class ApprovalThreshold(db.Model):
    """Payments above this amount need a second person's approval, from a date on (admin-set)."""

    __tablename__ = "approval_thresholds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    created_by = relationship("User", lazy="joined")
