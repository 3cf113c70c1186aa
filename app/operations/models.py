"""What a trek is made of: routes and their days, departures, the people on them, the
homestay nights, the weaving workshops, and the dated parameters porter welfare is checked
against (load limit, UIT).

What a completed departure records here is what the ledger pays for, so the database guards
it: foreign keys, NOT NULL, named CHECK and UNIQUE constraints. Nothing is deleted once money
or history refers to it; routes are archived.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

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
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from app.clock import UTCDateTime, now_utc
from app.database import enum_column_type
from app.extensions import db
from app.money import Money
from app.registries.models import (
    ArchivableMixin,
    Community,
    HomestayFamily,
    StaffMember,
    StaffRole,
    WeavingAssociation,
)

TENTH = Decimal("0.1")
MAX_ROUTE_DAYS = 30  # the route_days CHECK constraint's bound


class Kilograms(TypeDecorator):
    """A weight in kg with one decimal (a porter's weighed load): whole tenths in the database.

    Exact like money: SQLite has no decimal type, and a 20.4 kg load must not read as 20.39.
    """

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise ValueError("weights must be exact: floats are not accepted")
        return int((Decimal(value) * 10).to_integral_value(rounding=ROUND_HALF_UP))

    def process_result_value(self, value, dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 10).quantize(TENTH)


def format_kg(value: Decimal | None) -> str:
    """`20`, `19.5`: a weight in kg to the tenth, without a trailing `.0`."""
    if value is None:
        return ""
    tenths = Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)
    return f"{tenths:f}".removesuffix(".0")


class ServiceKind(str, enum.Enum):
    """A service the operator owes someone for; the ledger prices each one."""

    HOMESTAY_NIGHT = "homestay_night"
    WORKSHOP_PARTICIPANT = "workshop_participant"
    VISITOR_FEE = "visitor_fee"
    HOT_SPRINGS = "hot_springs"
    ARRIERO_DAY = "arriero_day"
    MULE_DAY = "mule_day"
    COOK_DAY = "cook_day"
    PORTER_DAY = "porter_day"
    GUIDE_DAY = "guide_day"


class DepartureStatus(str, enum.Enum):
    """draft -> confirmed -> in_progress -> completed, or cancelled (with a reason)."""

    DRAFT = "draft"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class NightKind(str, enum.Enum):
    """Where the group sleeps at the end of a route day."""

    HOMESTAY = "homestay"
    CAMP = "camp"
    HOTEL = "hotel"
    NONE = "none"


class Activity(str, enum.Enum):
    """What a route day offers beyond walking."""

    WEAVING_WORKSHOP = "weaving_workshop"
    HOT_SPRINGS = "hot_springs"
    PASS_CROSSING = "pass_crossing"
    LAGOON_VISIT = "lagoon_visit"
    TRAIN = "train"
    MACHU_PICCHU = "machu_picchu"


# --- Routes --------------------------------------------------------------------------------------


class Route(ArchivableMixin, db.Model):
    """An itinerary the operator sells (Classic 3 days, 4 days with Machu Picchu...)."""

    __tablename__ = "routes"
    __table_args__ = (
        CheckConstraint("length(code) BETWEEN 2 AND 6", name="code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)

    days: Mapped[list[RouteDay]] = relationship(
        back_populates="route", order_by="RouteDay.day_number", lazy="selectin",
        cascade="all, delete-orphan",
    )

    @property
    def length_days(self) -> int:
        """How many days the route takes (at least one)."""
        return max(1, len(self.days))

    def end_date_for(self, start: date) -> date:
        """The last day of a departure on this route starting on `start`."""
        return start + timedelta(days=self.length_days - 1)

    def has_activity(self, activity: Activity) -> bool:
        """True when some day of the route offers `activity`."""
        return any(activity in day.activity_set for day in self.days)

    def __str__(self) -> str:
        return self.name


class RouteDay(db.Model):
    """One day of a route: its walk, its activities, and where the group sleeps that night."""

    __tablename__ = "route_days"
    __table_args__ = (
        UniqueConstraint("route_id", "day_number", name="uq_route_days_route_day"),
        CheckConstraint(f"day_number BETWEEN 1 AND {MAX_ROUTE_DAYS}", name="day_number_range"),
        CheckConstraint(
            "night_kind <> 'homestay' OR night_community_id IS NOT NULL",
            name="homestay_needs_community",
        ),
        CheckConstraint(
            "night_kind IN ('homestay', 'camp') OR night_community_id IS NULL",
            name="community_only_for_homestay_or_camp",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"), index=True)
    day_number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    walking_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    night_kind: Mapped[NightKind] = mapped_column(enum_column_type(NightKind, "night_kind"))
    # The homestay community, or the community whose land a camp is on.
    night_community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id"), nullable=True, index=True
    )

    route: Mapped[Route] = relationship(back_populates="days")
    night_community: Mapped[Community | None] = relationship(lazy="joined")
    activities: Mapped[list[RouteDayActivity]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="RouteDayActivity.activity"
    )

    @property
    def activity_set(self) -> set[Activity]:
        """The day's activities."""
        return {link.activity for link in self.activities}

    @property
    def is_homestay_night(self) -> bool:
        """True when the group sleeps with families this night."""
        return self.night_kind == NightKind.HOMESTAY


class RouteDayActivity(db.Model):
    """One activity of a route day, and the community where it takes place (if any)."""

    __tablename__ = "route_day_activities"

    route_day_id: Mapped[int] = mapped_column(ForeignKey("route_days.id"), primary_key=True)
    activity: Mapped[Activity] = mapped_column(
        enum_column_type(Activity, "activity"), primary_key=True
    )
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), nullable=True)

    community: Mapped[Community | None] = relationship(lazy="joined")


# --- Parameters ----------------------------------------------------------------------------------


class LoadLimit(db.Model):
    """The company load a porter may carry (kg, excluding their own kit), from a date on."""

    __tablename__ = "load_limits"
    __table_args__ = (
        CheckConstraint("limit_kg > 0 AND limit_kg <= 400", name="limit_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    limit_kg: Mapped[Decimal] = mapped_column(Kilograms())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())


class UitValue(db.Model):
    """The year's UIT (Unidad Impositiva Tributaria); the porter wage floor is 3% of it."""

    __tablename__ = "uit_values"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())


# --- Departures ----------------------------------------------------------------------------------


class Departure(db.Model):
    """One trek on a route, from a start date, with its group, staff, nights and workshops."""

    __tablename__ = "departures"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("group_min >= 1", name="group_min_positive"),
        CheckConstraint("group_max >= group_min AND group_max <= 30", name="group_max_range"),
        CheckConstraint("price_per_traveller_usd >= 0", name="price_not_negative"),
        CheckConstraint("company_load_kg IS NULL OR company_load_kg >= 0", name="load_not_negative"),
        CheckConstraint(
            "(status = 'cancelled' AND cancelled_reason IS NOT NULL)"
            " OR (status <> 'cancelled' AND cancelled_reason IS NULL)",
            name="cancelled_has_reason",
        ),
        Index("ix_departures_start_date", "start_date"),
        Index("ix_departures_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[DepartureStatus] = mapped_column(
        enum_column_type(DepartureStatus, "departure_status"), default=DepartureStatus.DRAFT
    )
    # Money() holds the amount; this column's currency is US dollars.
    price_per_traveller_usd: Mapped[Decimal] = mapped_column(Money())
    group_min: Mapped[int] = mapped_column(Integer, default=2)
    group_max: Mapped[int] = mapped_column(Integer, default=12)
    guide_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id"), nullable=True, index=True
    )
    cancelled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Load plan: the company load (food, tents, kitchen) the porters carry, in kg.
    company_load_kg: Mapped[Decimal | None] = mapped_column(Kilograms(), nullable=True)
    # Welfare checklist (KPAP criteria, plus the IPPG's insurance and evacuation cover).
    welfare_meals: Mapped[bool] = mapped_column(Boolean, default=False)
    welfare_shelter: Mapped[bool] = mapped_column(Boolean, default=False)
    welfare_clothing: Mapped[bool] = mapped_column(Boolean, default=False)
    welfare_first_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    welfare_insurance: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: now_utc())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set by the ledger when it posts the departure's obligations; editing stops then.
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    route: Mapped[Route] = relationship(lazy="joined", innerjoin=True)
    guide: Mapped[StaffMember | None] = relationship(lazy="joined")
    travellers: Mapped[list[Traveller]] = relationship(
        back_populates="departure", order_by="Traveller.id", cascade="all, delete-orphan"
    )
    staff_assignments: Mapped[list[StaffAssignment]] = relationship(
        back_populates="departure", order_by="StaffAssignment.id", cascade="all, delete-orphan"
    )
    homestay_allocations: Mapped[list[HomestayAllocation]] = relationship(
        back_populates="departure",
        order_by="(HomestayAllocation.night_date, HomestayAllocation.id)",
        cascade="all, delete-orphan",
    )
    workshop_bookings: Mapped[list[WorkshopBooking]] = relationship(
        back_populates="departure",
        order_by="(WorkshopBooking.day_date, WorkshopBooking.id)",
        cascade="all, delete-orphan",
    )

    @property
    def length_days(self) -> int:
        """Days from start to end, both included."""
        return (self.end_date - self.start_date).days + 1

    def date_of_day(self, day_number: int) -> date:
        """The calendar date of the route's day `day_number` on this departure."""
        return self.start_date + timedelta(days=day_number - 1)

    @property
    def welfare_complete(self) -> bool:
        """True when every welfare checklist item is ticked."""
        return all((self.welfare_meals, self.welfare_shelter, self.welfare_clothing,
                    self.welfare_first_aid, self.welfare_insurance))

    @property
    def is_locked(self) -> bool:
        """True once the ledger has posted this departure: it can no longer change."""
        return self.posted_at is not None

    def __str__(self) -> str:
        return self.code


class Traveller(db.Model):
    """A traveller on a departure, and whether they actually walked."""

    __tablename__ = "travellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    departure_id: Mapped[int] = mapped_column(ForeignKey("departures.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    nationality: Mapped[str] = mapped_column(String(60))
    dietary_needs: Mapped[str | None] = mapped_column(String(200), nullable=True)
    emergency_contact_name: Mapped[str] = mapped_column(String(120))
    emergency_contact_phone: Mapped[str] = mapped_column(String(30))
    walked: Mapped[bool] = mapped_column(Boolean, default=True)

    departure: Mapped[Departure] = relationship(back_populates="travellers")

    def __str__(self) -> str:
        return self.full_name


# The group size, computed in the same SELECT; deferred, so only list pages that ask pay for it.
Departure.traveller_count = column_property(
    select(func.count(Traveller.id)).where(Traveller.departure_id == Departure.id)
    .correlate_except(Traveller).scalar_subquery(),
    deferred=True,
)


class StaffAssignment(db.Model):
    """A staff member's job on a departure: role, agreed wage, mules, days, weighed load."""

    __tablename__ = "staff_assignments"
    __table_args__ = (
        UniqueConstraint("departure_id", "staff_member_id", name="uq_staff_assignments_person"),
        CheckConstraint("daily_wage IS NULL OR daily_wage > 0", name="wage_positive"),
        CheckConstraint("mules >= 0 AND mules <= 20", name="mules_range"),
        CheckConstraint("role = 'arriero' OR mules = 0", name="mules_only_for_arrieros"),
        CheckConstraint("planned_days BETWEEN 1 AND 30", name="planned_days_range"),
        CheckConstraint("actual_days IS NULL OR actual_days BETWEEN 0 AND 30", name="actual_days_range"),
        CheckConstraint("load_kg IS NULL OR load_kg >= 0", name="load_not_negative"),
        CheckConstraint("role = 'porter' OR load_kg IS NULL", name="load_only_for_porters"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    departure_id: Mapped[int] = mapped_column(ForeignKey("departures.id"), index=True)
    staff_member_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    role: Mapped[StaffRole] = mapped_column(enum_column_type(StaffRole, "staff_role"))
    daily_wage: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    mules: Mapped[int] = mapped_column(Integer, default=0)
    planned_days: Mapped[int] = mapped_column(Integer)
    actual_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    load_kg: Mapped[Decimal | None] = mapped_column(Kilograms(), nullable=True)

    departure: Mapped[Departure] = relationship(back_populates="staff_assignments")
    staff_member: Mapped[StaffMember] = relationship(lazy="joined", innerjoin=True)


class HomestayAllocation(db.Model):
    """Guests placed with one family on one night of a departure."""

    __tablename__ = "homestay_allocations"
    __table_args__ = (
        UniqueConstraint("departure_id", "night_date", "family_id",
                         name="uq_homestay_allocations_night_family"),
        CheckConstraint("guests_planned BETWEEN 1 AND 30", name="guests_planned_range"),
        CheckConstraint("guests_actual IS NULL OR guests_actual BETWEEN 0 AND 30",
                        name="guests_actual_range"),
        CheckConstraint("suggested OR override_reason IS NOT NULL", name="override_has_reason"),
        Index("ix_homestay_allocations_family_night", "family_id", "night_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    departure_id: Mapped[int] = mapped_column(ForeignKey("departures.id"), index=True)
    night_date: Mapped[date] = mapped_column(Date)
    family_id: Mapped[int] = mapped_column(ForeignKey("homestay_families.id"))
    guests_planned: Mapped[int] = mapped_column(Integer)
    guests_actual: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # True when this family is what the rotation suggested; otherwise the manager's reason.
    suggested: Mapped[bool] = mapped_column(Boolean, default=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    departure: Mapped[Departure] = relationship(back_populates="homestay_allocations")
    family: Mapped[HomestayFamily] = relationship(lazy="joined", innerjoin=True)


class WorkshopBooking(db.Model):
    """A weaving workshop session with an association on a day of a departure."""

    __tablename__ = "workshop_bookings"
    __table_args__ = (
        UniqueConstraint("departure_id", "day_date", "association_id",
                         name="uq_workshop_bookings_day_association"),
        CheckConstraint("expected_participants BETWEEN 1 AND 30", name="expected_range"),
        CheckConstraint("actual_participants IS NULL OR actual_participants BETWEEN 0 AND 30",
                        name="actual_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    departure_id: Mapped[int] = mapped_column(ForeignKey("departures.id"), index=True)
    day_date: Mapped[date] = mapped_column(Date)
    association_id: Mapped[int] = mapped_column(ForeignKey("weaving_associations.id"), index=True)
    expected_participants: Mapped[int] = mapped_column(Integer)
    actual_participants: Mapped[int | None] = mapped_column(Integer, nullable=True)

    departure: Mapped[Departure] = relationship(back_populates="workshop_bookings")
    association: Mapped[WeavingAssociation] = relationship(lazy="joined", innerjoin=True)
