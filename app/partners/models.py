"""Partner organisations that receive impact reports."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import UTCDateTime, now_utc
from app.database import enum_column_type
from app.extensions import db


class PartnerKind(str, enum.Enum):
    """What sort of organisation reads our reports."""

    NGO = "ngo"
    CERTIFIER = "certifier"
    COMMUNITY_ASSOCIATION = "community_association"
    OTHER = "other"


partner_communities = Table(
    "partner_communities",
    db.metadata,
    Column("partner_id", ForeignKey("partners.id"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
)


class Partner(db.Model):
    """An organisation, its reading language and the communities it follows."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[PartnerKind] = mapped_column(enum_column_type(PartnerKind, "partner_kind"))
    language: Mapped[str] = mapped_column(String(2), default="es")
    contact_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    communities = relationship(
        "Community", secondary=partner_communities, lazy="selectin", order_by="Community.name"
    )

    def __str__(self) -> str:
        return self.name
