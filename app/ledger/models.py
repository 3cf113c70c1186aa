"""The community revenue ledger: accounts, an append-only double-entry journal, obligations,
the rate card, exchange rates and accounting periods.

Invariants (kept by `app.ledger.services` and, for the journal, by database triggers created
in migration 0003_ledger):
- every posted entry's debits equal its credits, and it has at least two lines;
- a posted entry and its lines are never updated or deleted: a mistake is corrected by a
  reversing entry (`reverses_entry_id`, at most one reversal per entry) or an adjustment
  (`adjusts_entry_id`);
- a `transfer_id` (made by the client) posts at most once;
- a departure is posted at most once;
- `account_totals` holds each account's debits and credits summed over all its lines, kept by
  a database trigger on every line inserted (migration 0008_account_totals), so a balance or a
  statement's opening reads one row instead of a decade of lines; `flask ledger verify`
  recomputes it from the lines.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import BigInteger, TypeDecorator

from app.clock import UTCDateTime, now_utc
from app.database import enum_column_type
from app.extensions import db
from app.money import Money
from app.operations.models import ServiceKind
from app.registries.models import PayeeKind


class AccountKind(str, enum.Enum):
    """The five kinds of double-entry account."""

    ASSET = "asset"
    LIABILITY = "liability"
    EXPENSE = "expense"
    INCOME = "income"
    EQUITY = "equity"


class EntrySource(str, enum.Enum):
    """What a journal entry records."""

    DEPARTURE = "departure"
    PAYMENT = "payment"
    ADJUSTMENT = "adjustment"


class ObligationStatus(str, enum.Enum):
    """An obligation is open until paid in full (settled) or cancelled (voided)."""

    OPEN = "open"
    SETTLED = "settled"
    VOIDED = "voided"


RATE_SCALE = 10_000  # exchange rates kept to four decimals, as whole ten-thousandths


class ExchangeRateValue(TypeDecorator):
    """An exchange rate: `Decimal` with four places in Python, whole ten-thousandths in SQL."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * RATE_SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"exchange rates have at most four decimals: {value}")
        return int(scaled)

    def process_result_value(self, value, dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / RATE_SCALE).quantize(Decimal("0.0001"))


class Account(db.Model):
    """A double-entry account; payable accounts name the payee they owe."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("payee_kind", "payee_id", name="uq_accounts_payee"),
        CheckConstraint("(payee_kind IS NULL) = (payee_id IS NULL)", name="payee_both_or_neither"),
        CheckConstraint("payee_kind IS NULL OR kind = 'liability'", name="payee_accounts_are_liabilities"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # hledger-safe, ASCII, colon-separated: `liabilities:payable:family:12`.
    code: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AccountKind] = mapped_column(enum_column_type(AccountKind, "account_kind"))
    payee_kind: Mapped[PayeeKind | None] = mapped_column(
        enum_column_type(PayeeKind, "payee_kind"), nullable=True
    )
    payee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    def __str__(self) -> str:
        return self.name


class JournalEntry(db.Model):
    """One balanced, append-only entry: who, when, why and from what.

    `posted` is the flag the database checks: lines are written while it is false, then the
    entry is flipped to posted, and the trigger on that flip refuses an unbalanced entry.
    Once posted, the entry and its lines refuse UPDATE and DELETE.
    """

    __tablename__ = "journal_entries"
    __table_args__ = (
        CheckConstraint("reverses_entry_id IS NULL OR reverses_entry_id <> id", name="not_self_reversal"),
        CheckConstraint("length(memo) > 0", name="memo_present"),
        # A departure's accrual is posted once; corrections are adjustments.
        Index(
            "uq_journal_entries_departure_posting", "source_id", unique=True,
            sqlite_where=text("source_type = 'departure'"),
            postgresql_where=text("source_type = 'departure'"),
        ),
        Index("ix_journal_entries_date", "entry_date", "id"),
        Index("ix_journal_entries_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_date: Mapped[date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(String(255))
    source_type: Mapped[EntrySource] = mapped_column(enum_column_type(EntrySource, "entry_source"))
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reverses_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, unique=True
    )
    adjusts_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, index=True
    )
    transfer_id: Mapped[str] = mapped_column(String(80), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())
    posted: Mapped[bool] = mapped_column(Boolean, default=False)

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry", order_by="JournalLine.id", lazy="selectin"
    )
    created_by = relationship("User", lazy="joined")

    @property
    def total(self) -> Decimal:
        """The entry's size: the sum of its debits (equal to its credits)."""
        return sum((line.debit for line in self.lines), Decimal("0.00"))

    def __str__(self) -> str:
        return f"#{self.id} {self.memo}"


class JournalLine(db.Model):
    """A debit or a credit on one account (exactly one of the two is positive)."""

    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_side_positive"
        ),
        # With the amounts, an account's balance is read from the index alone (0006_scale).
        Index("ix_journal_lines_account", "account_id", "entry_id", "debit", "credit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    debit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    credit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)


class AccountTotal(db.Model):
    """An account's debits and credits over all its lines, kept by the database, never by the app.

    A trigger on `journal_lines` adds every new line here (lines are append-only, so totals only
    grow); the app reads it and never writes it. `flask ledger verify` checks it against the lines.
    """

    __tablename__ = "account_totals"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    debit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    credit: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    line_count: Mapped[int] = mapped_column(Integer, default=0)


class Obligation(db.Model):
    """What the operator owes one payee for one service delivered (a departure's accrual)."""

    __tablename__ = "obligations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_rate > 0", name="unit_rate_positive"),
        CheckConstraint("amount = quantity * unit_rate", name="amount_is_quantity_times_rate"),
        CheckConstraint("amount_paid >= 0 AND amount_paid <= amount", name="paid_within_amount"),
        CheckConstraint("status <> 'settled' OR amount_paid = amount", name="settled_means_paid"),
        CheckConstraint("status <> 'open' OR amount_paid < amount", name="open_means_unpaid"),
        CheckConstraint("status <> 'voided' OR amount_paid = 0", name="voided_means_unpaid"),
        Index("ix_obligations_payee", "payee_kind", "payee_id", "status"),
        # Payables and the outstanding total read only the open obligations, a few hundred among
        # a decade's settled ones (0007_open_obligations).
        Index("ix_obligations_status", "status", "payee_kind", "payee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payee_kind: Mapped[PayeeKind] = mapped_column(enum_column_type(PayeeKind, "payee_kind"))
    payee_id: Mapped[int] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id"), nullable=True, index=True
    )
    service: Mapped[ServiceKind] = mapped_column(enum_column_type(ServiceKind, "service_kind"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_rate: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    amount_paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    service_date: Mapped[date] = mapped_column(Date)
    # The day the trek ended: ageing counts from here (porters are owed within 2 days).
    trek_end_date: Mapped[date] = mapped_column(Date)
    departure_id: Mapped[int | None] = mapped_column(
        ForeignKey("departures.id"), nullable=True, index=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    rate_card_id: Mapped[int | None] = mapped_column(ForeignKey("rate_cards.id"), nullable=True)
    status: Mapped[ObligationStatus] = mapped_column(
        enum_column_type(ObligationStatus, "obligation_status"), default=ObligationStatus.OPEN
    )
    void_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    entry: Mapped[JournalEntry] = relationship(foreign_keys=[entry_id])
    community = relationship("Community", lazy="joined")
    departure = relationship("Departure")

    @property
    def outstanding(self) -> Decimal:
        """What is still owed (nothing once voided)."""
        if self.status == ObligationStatus.VOIDED:
            return Decimal("0.00")
        return self.amount - self.amount_paid


class RateCard(db.Model):
    """The rate for a service from a date, for one community or (community null) for all."""

    __tablename__ = "rate_cards"
    __table_args__ = (
        CheckConstraint("rate > 0", name="rate_positive"),
        UniqueConstraint("service", "community_id", "effective_from", name="uq_rate_cards_service_community_from"),
        # NULLs are distinct in a UNIQUE constraint; this keeps one default rate per day.
        Index(
            "uq_rate_cards_default_from", "service", "effective_from", unique=True,
            sqlite_where=text("community_id IS NULL"),
            postgresql_where=text("community_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[ServiceKind] = mapped_column(enum_column_type(ServiceKind, "service_kind"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), nullable=True)
    rate: Mapped[Decimal] = mapped_column(Money())
    effective_from: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    community = relationship("Community", lazy="joined")


class ExchangeRate(db.Model):
    """Soles per US dollar from a date, entered by the accountant."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        CheckConstraint("usd_to_pen > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_date: Mapped[date] = mapped_column(Date, unique=True)
    usd_to_pen: Mapped[Decimal] = mapped_column(ExchangeRateValue())
    source: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())


class AccountingPeriod(db.Model):
    """A calendar month; closed months take no postings (a row exists once a month was closed)."""

    __tablename__ = "accounting_periods"
    __table_args__ = (
        UniqueConstraint("year", "month", name="uq_accounting_periods_year_month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("(closed_at IS NULL) = (closed_by_id IS NULL)", name="closed_by_whom"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reopen_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    closed_by = relationship("User", foreign_keys=[closed_by_id], lazy="joined")

    @property
    def is_closed(self) -> bool:
        """True while the month takes no postings."""
        return self.closed_at is not None

    @property
    def label(self) -> str:
        """`2026-06`."""
        return f"{self.year:04d}-{self.month:02d}"
