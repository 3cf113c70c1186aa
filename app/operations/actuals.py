"""What a completed departure actually delivered, line by line, for the ledger to price and post.

Only what happened counts: travellers who walked, guests each family actually hosted, workshop
participants who came, staff days actually worked. Dates: a homestay night on its night, a
workshop on its day, a visitor fee on the first night spent in that community, hot springs on
that route day, staff days (and mule days) on the departure's last day, when the wage falls due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.operations.models import (
    Activity,
    Departure,
    DepartureStatus,
    ServiceKind,
)
from app.registries.models import PayeeKind, StaffRole

STAFF_SERVICE = {
    StaffRole.PORTER: ServiceKind.PORTER_DAY,
    StaffRole.ARRIERO: ServiceKind.ARRIERO_DAY,
    StaffRole.COOK: ServiceKind.COOK_DAY,
    StaffRole.GUIDE: ServiceKind.GUIDE_DAY,
}


class DepartureNotCompleted(ValueError):
    """Services are counted only for a completed departure."""


@dataclass(frozen=True)
class ServiceDelivered:
    """One priced line of what a departure delivered: who to pay, for what, how many, when.

    `agreed_rate` is the daily wage agreed on a staff assignment; None means "use the rate card".
    """

    service: ServiceKind
    payee_kind: PayeeKind
    payee_id: int
    community_id: int | None
    quantity: int
    service_date: date
    agreed_rate: Decimal | None = None


def departure_services(departure: Departure) -> list[ServiceDelivered]:
    """Every service a COMPLETED departure delivered, from its recorded actuals."""
    if departure.status != DepartureStatus.COMPLETED:
        raise DepartureNotCompleted(
            f"departure {departure.code} is {departure.status.value}, not completed"
        )
    walked = sum(1 for traveller in departure.travellers if traveller.walked)
    return [
        *_homestay_nights(departure),
        *_workshops(departure),
        *_community_fees(departure, walked),
        *_staff_days(departure),
    ]


def _homestay_nights(departure: Departure) -> list[ServiceDelivered]:
    return [
        ServiceDelivered(
            ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY, allocation.family_id,
            allocation.family.community_id, allocation.guests_actual, allocation.night_date,
        )
        for allocation in departure.homestay_allocations
        if allocation.guests_actual
    ]


def _workshops(departure: Departure) -> list[ServiceDelivered]:
    return [
        ServiceDelivered(
            ServiceKind.WORKSHOP_PARTICIPANT, PayeeKind.ASSOCIATION, booking.association_id,
            booking.association.community_id, booking.actual_participants, booking.day_date,
        )
        for booking in departure.workshop_bookings
        if booking.actual_participants
    ]


def _community_fees(departure: Departure, walked: int) -> list[ServiceDelivered]:
    """Visitor fee per community the group slept in; hot springs where the route bathes."""
    if walked == 0:
        return []
    lines: list[ServiceDelivered] = []
    first_night: dict[int, date] = {}
    for day in departure.route.days:
        if day.night_community_id is not None:
            first_night.setdefault(day.night_community_id, departure.date_of_day(day.day_number))
    for community_id, night in first_night.items():
        lines.append(ServiceDelivered(
            ServiceKind.VISITOR_FEE, PayeeKind.COMMUNITY, community_id, community_id, walked, night,
        ))
    for day in departure.route.days:
        for link in day.activities:
            if link.activity == Activity.HOT_SPRINGS and link.community_id is not None:
                lines.append(ServiceDelivered(
                    ServiceKind.HOT_SPRINGS, PayeeKind.COMMUNITY, link.community_id,
                    link.community_id, walked, departure.date_of_day(day.day_number),
                ))
    return lines


def _staff_days(departure: Departure) -> list[ServiceDelivered]:
    lines: list[ServiceDelivered] = []
    for assignment in departure.staff_assignments:
        days = assignment.actual_days or 0
        if days == 0:
            continue
        staff = assignment.staff_member
        lines.append(ServiceDelivered(
            STAFF_SERVICE[assignment.role], PayeeKind.STAFF, staff.id, staff.community_id,
            days, departure.end_date, assignment.daily_wage,
        ))
        if assignment.role == StaffRole.ARRIERO and assignment.mules:
            lines.append(ServiceDelivered(
                ServiceKind.MULE_DAY, PayeeKind.STAFF, staff.id, staff.community_id,
                assignment.mules * days, departure.end_date,
            ))
    return lines
