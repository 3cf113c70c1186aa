"""The people and places the operator works with and pays.

Nothing here is ever deleted: money and history refer to these rows, so a record that is no
longer used is archived (`archived_at` set) and stays readable.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.clock import UTCDateTime, now_utc
from app.database import enum_column_type
from app.extensions import db


class PaymentMethod(str, enum.Enum):
    """How a payee prefers to be paid."""

    CASH = "cash"
    BANK = "bank"
    YAPE = "yape"
    PLIN = "plin"


class Gender(str, enum.Enum):
    """A host's gender, recorded so the impact report can show women's share of income."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class StaffRole(str, enum.Enum):
    """The trail jobs a staff member can do."""

    PORTER = "porter"
    ARRIERO = "arriero"
    COOK = "cook"
    GUIDE = "guide"


class PayeeKind(str, enum.Enum):
    """Who the operator can owe money to: each kind is one registry."""

    COMMUNITY = "community"
    FAMILY = "family"
    ASSOCIATION = "association"
    STAFF = "staff"


def age_in_years(birth_date: date, day: date) -> int:
    """Whole years between `birth_date` and `day` (a birthday counts on the day itself)."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


class ArchivableMixin:
    """Records that are archived, never deleted."""

    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())

    @property
    def is_archived(self) -> bool:
        """True once the record has been archived."""
        return self.archived_at is not None


class PaymentDetailsMixin:
    """How to pay someone: cash in the village, a bank account, or a Yape/Plin number."""

    @declared_attr
    def payment_method(cls) -> Mapped[PaymentMethod]:
        return mapped_column(
            enum_column_type(PaymentMethod, "payment_method"), default=PaymentMethod.CASH
        )

    bank_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    bank_account: Mapped[str | None] = mapped_column(String(40), nullable=True)
    wallet_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)


class Community(ArchivableMixin, PaymentDetailsMixin, db.Model):
    """A Quechua community on the operator's routes (Huacahuasi, Choquecancha...)."""

    __tablename__ = "communities"
    __table_args__ = (
        CheckConstraint("altitude_m IS NULL OR (altitude_m BETWEEN 0 AND 7000)", name="altitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    district: Mapped[str] = mapped_column(String(80))
    altitude_m: Mapped[int | None] = mapped_column(Integer, nullable=True)
    leader_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    leader_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    treasurer_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    treasurer_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)

    def __str__(self) -> str:
        return self.name


class HomestayFamily(ArchivableMixin, PaymentDetailsMixin, db.Model):
    """A household that hosts travellers overnight; takes part in the rotation while active."""

    __tablename__ = "homestay_families"
    __table_args__ = (
        CheckConstraint("beds BETWEEN 1 AND 30", name="beds_range"),
        UniqueConstraint("community_id", "household_head", name="uq_family_head_per_community"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    household_head: Mapped[str] = mapped_column(String(120))
    host_gender: Mapped[Gender] = mapped_column(enum_column_type(Gender, "gender"))
    beds: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)

    community: Mapped[Community] = relationship(lazy="joined", innerjoin=True)

    def __str__(self) -> str:
        return self.household_head


class WeavingAssociation(ArchivableMixin, PaymentDetailsMixin, db.Model):
    """A weavers' association that runs textile workshops for travellers."""

    __tablename__ = "weaving_associations"
    __table_args__ = (
        CheckConstraint("members >= 1", name="members_positive"),
        CheckConstraint("women_members >= 0 AND women_members <= members", name="women_members"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    members: Mapped[int] = mapped_column(Integer)
    women_members: Mapped[int] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)

    community: Mapped[Community] = relationship(lazy="joined", innerjoin=True)

    def __str__(self) -> str:
        return self.name


class StaffMember(ArchivableMixin, PaymentDetailsMixin, db.Model):
    """A porter, arriero, cook or guide. Porters must be 18 or older (Ley 31614)."""

    __tablename__ = "staff_members"
    __table_args__ = (
        CheckConstraint("length(dni) = 8", name="dni_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    dni: Mapped[str] = mapped_column(String(8), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[Gender | None] = mapped_column(enum_column_type(Gender, "gender"), nullable=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id"), nullable=True, index=True
    )
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    emergency_contact_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    insurance_expiry: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)

    community: Mapped[Community | None] = relationship(lazy="joined")
    role_links: Mapped[list[StaffRoleLink]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StaffRoleLink.role"
    )

    @property
    def roles(self) -> set[StaffRole]:
        """The jobs this person does."""
        return {link.role for link in self.role_links}

    def age_on(self, day: date) -> int:
        """Age in whole years on `day`."""
        return age_in_years(self.birth_date, day)

    def __str__(self) -> str:
        return self.full_name


class StaffRoleLink(db.Model):
    """One job of one staff member."""

    __tablename__ = "staff_roles"

    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), primary_key=True)
    role: Mapped[StaffRole] = mapped_column(
        enum_column_type(StaffRole, "staff_role"), primary_key=True
    )


class ImportKind(str, enum.Enum):
    """The registries a CSV file can fill."""

    FAMILIES = "families"
    STAFF = "staff"


class ImportBatch(db.Model):
    """A checked CSV file waiting for "import all": its parsed rows kept on the server.

    The preview shows what would be written; the confirmation names the batch by its random
    token, so the file is neither uploaded twice nor carried in the cookie. A batch is imported
    at most once (`imported_at`).
    """

    __tablename__ = "import_batches"
    __table_args__ = (CheckConstraint("row_count >= 0", name="row_count"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[ImportKind] = mapped_column(enum_column_type(ImportKind, "import_kind"))
    filename: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(Integer)
    # {"encoding", "delimiter", "headers", "ignored_headers", "rows": [{"row", "cells", "values"}]}
    # ("values": what the row's form gave, as JSON; see importer.stored_values)
    content: Mapped[dict] = mapped_column(JSON)
    # Who uploaded it; None for the command line, whose audit reason names the OS user.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def __str__(self) -> str:
        return self.filename
