"""Issued impact reports: numbered, with the PDF and the canonical figures they were rendered from.

An issued report is never edited or deleted (database triggers refuse both, migration
0005_impact): the stored figures and PDF are what the partner received, and their SHA-256
hashes are what the public verify page checks.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import UTCDateTime, now_utc
from app.database import enum_column_type
from app.extensions import db


class Basis(str, enum.Enum):
    """What "paid" means in a report: obligations incurred, or payments made (GRI EC6)."""

    ACCRUAL = "accrual"
    CASH = "cash"


class ImpactReport(db.Model):
    """One report issued to one partner organisation for a closed period."""

    __tablename__ = "impact_reports"
    __table_args__ = (
        UniqueConstraint("year", "sequence", name="uq_impact_report_year_sequence"),
        CheckConstraint("period_from <= period_to", name="period_order"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("language IN ('es', 'en')", name="language_known"),
        CheckConstraint("length(figures_sha256) = 64 AND length(pdf_sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    basis: Mapped[Basis] = mapped_column(enum_column_type(Basis, "impact_basis"))
    language: Mapped[str] = mapped_column(String(2))
    # Canonical JSON of the figures (sorted keys, no spaces): the bytes the footer hash covers.
    figures_json: Mapped[str] = mapped_column(Text, deferred=True)
    figures_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    partner = relationship("Partner", lazy="joined", innerjoin=True)
    issued_by = relationship("User", lazy="joined", innerjoin=True)

    def __str__(self) -> str:
        return self.number
