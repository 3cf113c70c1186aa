"""What a report counts, as SQL conditions: the treks of a period in scope, the obligations not
yet voided on a day, the payments that counted on a day, and income by basis.

The figures of a period (`compute.py`) and its totals and those of the year before
(`totals.py`) select through these, so they all read the ledger by the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, exists, or_, select, true

from app.clock import LIMA
from app.extensions import db
from app.impact.models import Basis
from app.impact.periods import Period
from app.ledger.models import JournalEntry, Obligation, ServiceKind
from app.operations.models import (
    Departure,
    DepartureStatus,
    HomestayAllocation,
    RouteDay,
    RouteDayActivity,
    WorkshopBooking,
)
from app.payments.models import Payment, PaymentAllocation
from app.registries.models import Community, HomestayFamily, WeavingAssociation

CATEGORY_OF_SERVICE = {
    ServiceKind.HOMESTAY_NIGHT: "homestay",
    ServiceKind.WORKSHOP_PARTICIPANT: "weaving",
    ServiceKind.PORTER_DAY: "trail_staff",
    ServiceKind.ARRIERO_DAY: "trail_staff",
    ServiceKind.MULE_DAY: "trail_staff",
    ServiceKind.COOK_DAY: "trail_staff",
    ServiceKind.GUIDE_DAY: "trail_staff",
    ServiceKind.VISITOR_FEE: "fees",
    ServiceKind.HOT_SPRINGS: "fees",
}
FEE_SERVICES = sorted(service for service, category in CATEGORY_OF_SERVICE.items() if category == "fees")


class ImpactError(ValueError):
    """A report that cannot be computed as asked (reversed dates, unknown community...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Scope:
    """The communities a report covers: `ids` None means every community."""

    ids: frozenset[int] | None
    names: tuple[str, ...]
    slugs: tuple[str, ...]

    def includes(self, community_id: int | None) -> bool:
        """True for a community in scope (payees of no community never are)."""
        if community_id is None:
            return False
        return self.ids is None or community_id in self.ids

    def covers(self, column) -> ColumnElement[bool]:
        """SQL: the column names a community in scope (as `includes`)."""
        return column.is_not(None) if self.ids is None else column.in_(sorted(self.ids))


def resolve_scope(community_slugs: Iterable[str]) -> Scope:
    """The communities named by slug (an unknown slug is refused), or every community."""
    slugs = sorted(set(community_slugs))
    if not slugs:
        return Scope(ids=None, names=(), slugs=())
    communities = list(db.session.scalars(select(Community).where(Community.slug.in_(slugs))))
    unknown = sorted(set(slugs) - {c.slug for c in communities})
    if unknown:
        raise ImpactError(f"unknown communities: {', '.join(unknown)}", field="communities")
    return Scope(ids=frozenset(c.id for c in communities),
                 names=tuple(sorted(c.name for c in communities)), slugs=tuple(slugs))


def ending_in(period: Period) -> tuple[ColumnElement[bool], ...]:
    """Completed departures whose last day falls in the period."""
    return (Departure.status == DepartureStatus.COMPLETED,
            Departure.end_date >= period.start, Departure.end_date <= period.end)


def touching(scope: Scope) -> ColumnElement[bool]:
    """Departures that slept, hosted or held a workshop in the scope: a route night or a day
    visit there, a family of it that hosted guests, or a workshop with one of its associations."""
    if scope.ids is None:
        return true()
    return or_(
        exists().where(RouteDay.route_id == Departure.route_id, scope.covers(RouteDay.night_community_id)),
        exists().where(RouteDay.route_id == Departure.route_id, RouteDayActivity.route_day_id == RouteDay.id,
                       scope.covers(RouteDayActivity.community_id)),
        exists().where(HomestayAllocation.departure_id == Departure.id,
                       HomestayAllocation.guests_actual != 0,
                       HomestayFamily.id == HomestayAllocation.family_id,
                       scope.covers(HomestayFamily.community_id)),
        exists().where(WorkshopBooking.departure_id == Departure.id,
                       WeavingAssociation.id == WorkshopBooking.association_id,
                       scope.covers(WeavingAssociation.community_id)),
    )


def reported(period: Period, scope: Scope) -> tuple[ColumnElement[bool], ...]:
    """The departures a report counts: ending in the period, touching the scope, posted."""
    return (*ending_in(period), touching(scope), Departure.posted_at.is_not(None))


def live_on(as_of: date) -> ColumnElement[bool]:
    """Obligations not voided on or before `as_of`."""
    voided_on = select(JournalEntry.entry_date).where(JournalEntry.id == Obligation.void_entry_id)
    return or_(Obligation.void_entry_id.is_(None), voided_on.scalar_subquery() > as_of)


def counted_on(as_of: date) -> tuple[ColumnElement[bool], ...]:
    """Payments that counted on `as_of`: posted, dated by then, and not voided by then (Lima
    days: a payment voided later still counted until its void)."""
    next_day = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=LIMA)
    return (Payment.posted_at.is_not(None), Payment.payment_date <= as_of,
            or_(Payment.voided_at.is_(None), Payment.voided_at >= next_day))


def income_lines(basis: Basis, period: Period, scope: Scope, trek_ids: list[int] | Select):
    """What the period paid (or owed) in scope, one row per obligation or payment allocation:
    payee_kind, payee_id, community_id, service, amount, and its day. On accrual, the obligations
    of the period's reported treks (`trek_ids`: their ids, or a select of them) dated by the trek's
    last day; on cash, payments dated in the period, by their date. A subquery to sum over."""
    columns = (Obligation.payee_kind, Obligation.payee_id, Obligation.community_id, Obligation.service)
    if basis == Basis.ACCRUAL:
        lines = select(*columns, Obligation.amount.label("amount"), Obligation.trek_end_date.label("day")).where(
            Obligation.departure_id.in_(trek_ids), live_on(period.end))
    else:
        lines = (
            select(*columns, PaymentAllocation.amount.label("amount"), Payment.payment_date.label("day"))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .join(Obligation, Obligation.id == PaymentAllocation.obligation_id)
            .where(Payment.payment_date >= period.start, *counted_on(period.end))
        )
    return lines.where(scope.covers(Obligation.community_id)).subquery("income_lines")
