"""Departure rules: planning, travellers, staff, loads, welfare, status and actuals.

Services take plain arguments, check every rule before changing anything (so a refusal writes
nothing), flush, and write the audit trail; the caller commits. Each refusal is a named
`OperationsError` whose message says what was refused and why.

Dates: a new departure may start in the past, to record a trek already walked, but no more
than two years back (older is a typo, and the UIT and load limit of that time are not kept),
nor more than three years ahead. The end date always follows from the route's days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record_change, snapshot
from app.clock import now_utc
from app.extensions import db
from app.money import format_money
from app.operations.errors import (
    AssignmentRefused,
    DepartureLocked,
    DepartureNotReady,
    OperationsError,
    TransitionRefused,
)
from app.operations.models import (
    Departure,
    DepartureStatus,
    Route,
    StaffAssignment,
    Traveller,
    WorkshopBooking,
    format_kg,
)
from app.operations.parameters import ParameterBook
from app.operations.readiness import PORTER_MIN_AGE, departure_gaps
from app.registries.models import StaffMember, StaffRole, WeavingAssociation

__all__ = ["DepartureLocked", "OperationsError", "assert_departure_editable"]

MAX_DAYS_BACK = 730
MAX_DAYS_AHEAD = 3 * 365
GROUP_CEILING = 30
MAX_COMPANY_LOAD_KG = Decimal("2000")
MAX_WEIGHED_LOAD_KG = Decimal("60")

S = DepartureStatus
# The state machine: where each status may go next.
TRANSITIONS: dict[DepartureStatus, tuple[DepartureStatus, ...]] = {
    S.DRAFT: (S.CONFIRMED, S.CANCELLED),
    S.CONFIRMED: (S.IN_PROGRESS, S.CANCELLED),
    S.IN_PROGRESS: (S.COMPLETED,),
    S.COMPLETED: (),
    S.CANCELLED: (),
}
PLANNING = (S.DRAFT, S.CONFIRMED)


def status_label(status: DepartureStatus) -> str:
    """A status in the user's language."""
    return {
        S.DRAFT: _("draft"), S.CONFIRMED: _("confirmed"), S.IN_PROGRESS: _("in progress"),
        S.COMPLETED: _("completed"), S.CANCELLED: _("cancelled"),
    }[status]


def role_label(role: StaffRole) -> str:
    """A trail job in the user's language."""
    return {StaffRole.PORTER: _("porter"), StaffRole.ARRIERO: _("arriero"),
            StaffRole.COOK: _("cook"), StaffRole.GUIDE: _("guide")}[role]


# --- Guards ------------------------------------------------------------------------------------


def assert_departure_editable(departure: Departure) -> None:
    """Refuse any change once the ledger has posted the departure (`posted_at` set)."""
    if departure.posted_at is not None:
        raise DepartureLocked(_("Departure %(code)s is posted to the ledger; it can no longer be edited.",
                                code=departure.code))


def require_status(departure: Departure, allowed: tuple[DepartureStatus, ...], what: str) -> None:
    assert_departure_editable(departure)
    if departure.status not in allowed:
        raise OperationsError(_("%(what)s is not possible on a %(status)s departure.",
                                what=what, status=status_label(departure.status)))


def _check_start(start: date, today: date) -> None:
    if start < today - timedelta(days=MAX_DAYS_BACK):
        raise OperationsError(_("%(date)s is more than two years ago: only treks of the last two years can be recorded.",
                                date=format_date(start)), "start_date")
    if start > today + timedelta(days=MAX_DAYS_AHEAD):
        raise OperationsError(_("%(date)s is more than three years ahead.", date=format_date(start)),
                              "start_date")


def _check_group(group_min: int, group_max: int, travellers: int = 0) -> None:
    if group_min < 1:
        raise OperationsError(_("The minimum group is at least 1 traveller."), "group_min")
    if group_max < group_min:
        raise OperationsError(_("The maximum group (%(max)d) is smaller than the minimum (%(min)d).",
                                max=group_max, min=group_min), "group_max")
    if group_max > GROUP_CEILING:
        raise OperationsError(_("Groups are small on purpose: at most %(max)d travellers.",
                                max=GROUP_CEILING), "group_max")
    if travellers > group_max:
        raise OperationsError(_("The departure already has %(count)d travellers, more than a maximum of %(max)d.",
                                count=travellers, max=group_max), "group_max")


def _check_route(route: Route) -> None:
    if route.is_archived:
        raise OperationsError(_("Route %(name)s is archived.", name=route.name), "route_id")
    if not route.days:
        raise OperationsError(_("Route %(name)s has no days yet.", name=route.name), "route_id")


def _check_price(price: Decimal) -> None:
    if price < 0:
        raise OperationsError(_("The price cannot be negative."), "price_per_traveller_usd")


# --- Departures --------------------------------------------------------------------------------


def next_departure_code(route: Route, start: date) -> str:
    """`LAR-2026-06-14-A`: route code, start date, and the first letter not yet used."""
    prefix = f"{route.code}-{start.isoformat()}-"
    taken = set(db.session.scalars(select(Departure.code).where(Departure.code.like(f"{prefix}%"))))
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if prefix + letter not in taken:
            return prefix + letter
    raise OperationsError(_("Too many departures of this route on that day."), "start_date")


@dataclass
class DeparturePlan:
    """What the departure form carries."""

    route: Route
    start_date: date
    price_per_traveller_usd: Decimal
    group_min: int = 2
    group_max: int = 12
    guide: StaffMember | None = None
    notes: str | None = None


def create_departure(plan: DeparturePlan, actor_id: int | None, today: date) -> Departure:
    """Plan a new draft departure; its end date follows from the route's days."""
    _check_route(plan.route)
    _check_start(plan.start_date, today)
    _check_group(plan.group_min, plan.group_max)
    _check_price(plan.price_per_traveller_usd)
    end = plan.route.end_date_for(plan.start_date)
    if plan.guide is not None:
        _check_person_free(plan.guide, plan.start_date, end, None)
        _check_role(plan.guide, StaffRole.GUIDE)
    departure = Departure(
        code=next_departure_code(plan.route, plan.start_date), route=plan.route,
        start_date=plan.start_date, end_date=end, status=S.DRAFT,
        price_per_traveller_usd=plan.price_per_traveller_usd, group_min=plan.group_min,
        group_max=plan.group_max, notes=plan.notes,
    )
    db.session.add(departure)
    record_change(actor_id, "create", departure, summary=departure.code)
    if plan.guide is not None:
        assign_staff(departure, plan.guide, StaffRole.GUIDE, actor_id)
    return departure


def update_departure(departure: Departure, plan: DeparturePlan, actor_id: int | None,
                     today: date) -> Departure:
    """Change a departure's plan, audited; route and dates move only while it is a draft."""
    assert_departure_editable(departure)
    if departure.status == S.CANCELLED:
        raise OperationsError(_("A cancelled departure cannot be edited."))
    moving = plan.route.id != departure.route_id or plan.start_date != departure.start_date
    planning_changed = moving or (plan.group_min, plan.group_max) != (departure.group_min, departure.group_max) \
        or (plan.guide.id if plan.guide else None) != departure.guide_id
    if planning_changed and departure.status not in PLANNING:
        raise OperationsError(_("Route, dates, group limits and guide can change only before the trek starts."))
    if moving:
        if departure.status != S.DRAFT:
            raise OperationsError(_("Route and dates can change only on a draft departure."), "start_date")
        if departure.homestay_allocations or departure.workshop_bookings:
            raise OperationsError(_("Homestay nights or workshops are booked on the current dates; remove them before moving the departure."),
                                  "start_date")
        _check_route(plan.route)
        _check_start(plan.start_date, today)
    _check_group(plan.group_min, plan.group_max, len(departure.travellers))
    _check_price(plan.price_per_traveller_usd)
    end = plan.route.end_date_for(plan.start_date)
    if moving:
        for assignment in departure.staff_assignments:
            _check_person_free(assignment.staff_member, plan.start_date, end, departure.id)
    new_guide = plan.guide if plan.guide is not None and plan.guide.id != departure.guide_id else None
    if new_guide is not None:
        _check_role(new_guide, StaffRole.GUIDE)
        _check_person_free(new_guide, plan.start_date, end, departure.id)
        _check_not_on_departure(departure, new_guide)

    before = snapshot(departure)
    departure.route = plan.route
    departure.start_date = plan.start_date
    departure.end_date = end
    departure.price_per_traveller_usd = plan.price_per_traveller_usd
    departure.group_min = plan.group_min
    departure.group_max = plan.group_max
    departure.notes = plan.notes
    if moving and departure.code[:-1] != f"{plan.route.code}-{plan.start_date.isoformat()}-":
        departure.code = next_departure_code(plan.route, plan.start_date)
    record_change(actor_id, "update", departure, before=before, summary=departure.code)
    if (plan.guide.id if plan.guide else None) != departure.guide_id:
        old = next((a for a in departure.staff_assignments if a.role == StaffRole.GUIDE), None)
        if old is not None:
            remove_assignment(old, actor_id)
        if new_guide is not None:
            assign_staff(departure, new_guide, StaffRole.GUIDE, actor_id)
    return departure


# --- Travellers --------------------------------------------------------------------------------


TRAVELLER_FIELDS = ("full_name", "nationality", "dietary_needs", "emergency_contact_name",
                    "emergency_contact_phone")


def add_traveller(departure: Departure, values: dict, actor_id: int | None) -> Traveller:
    """Add a traveller to the group, within its maximum."""
    require_status(departure, PLANNING, _("Adding a traveller"))
    if len(departure.travellers) >= departure.group_max:
        raise OperationsError(_("The group is full: %(count)d of at most %(max)d travellers.",
                                count=len(departure.travellers), max=departure.group_max))
    traveller = Traveller(**{key: values[key] for key in TRAVELLER_FIELDS})
    departure.travellers.append(traveller)
    record_change(actor_id, "create", traveller, summary=f"{departure.code}: {traveller.full_name}")
    return traveller


def update_traveller(traveller: Traveller, values: dict, actor_id: int | None) -> Traveller:
    """Correct a traveller's details."""
    departure = traveller.departure
    assert_departure_editable(departure)
    if departure.status == S.CANCELLED:
        raise OperationsError(_("A cancelled departure cannot be edited."))
    before = snapshot(traveller)
    for key in TRAVELLER_FIELDS:
        setattr(traveller, key, values[key])
    record_change(actor_id, "update", traveller, before=before,
                  summary=f"{departure.code}: {traveller.full_name}")
    return traveller


def remove_traveller(traveller: Traveller, actor_id: int | None) -> None:
    """Take a traveller off the group before the trek starts."""
    departure = traveller.departure
    require_status(departure, PLANNING, _("Removing a traveller"))
    record_change(actor_id, "delete", traveller, before=snapshot(traveller), after=None,
                  summary=f"{departure.code}: {traveller.full_name}")
    departure.travellers.remove(traveller)
    db.session.delete(traveller)
    db.session.flush()


# --- Staff -------------------------------------------------------------------------------------


def overlapping_departure(staff: StaffMember, start: date, end: date,
                          exclude_departure_id: int | None) -> Departure | None:
    """Another live departure this person is on whose dates overlap start..end, if any."""
    query = (
        select(Departure)
        .join(StaffAssignment, StaffAssignment.departure_id == Departure.id)
        .where(StaffAssignment.staff_member_id == staff.id,
               Departure.status != S.CANCELLED,
               Departure.start_date <= end, Departure.end_date >= start)
        .order_by(Departure.start_date, Departure.id)
        .limit(1)
    )
    if exclude_departure_id is not None:
        query = query.where(Departure.id != exclude_departure_id)
    return db.session.scalar(query)


def _check_person_free(staff: StaffMember, start: date, end: date, departure_id: int | None) -> None:
    other = overlapping_departure(staff, start, end, departure_id)
    if other is not None:
        raise AssignmentRefused(_("%(name)s is already on departure %(code)s (%(start)s to %(end)s), whose dates overlap.",
                                  name=staff.full_name, code=other.code,
                                  start=format_date(other.start_date), end=format_date(other.end_date)),
                                "staff_member_id")


def _check_role(staff: StaffMember, role: StaffRole) -> None:
    if staff.is_archived:
        raise AssignmentRefused(_("%(name)s is archived.", name=staff.full_name), "staff_member_id")
    if role not in staff.roles:
        raise AssignmentRefused(_("%(name)s is not registered as a %(role)s.",
                                  name=staff.full_name, role=role_label(role)), "staff_member_id")


def _check_not_on_departure(departure: Departure, staff: StaffMember) -> None:
    for assignment in departure.staff_assignments:
        if assignment.staff_member_id == staff.id:
            raise AssignmentRefused(_("%(name)s is already on this departure as %(role)s.",
                                      name=staff.full_name, role=role_label(assignment.role)),
                                    "staff_member_id")


def _check_terms(departure: Departure, staff: StaffMember, role: StaffRole,
                 daily_wage: Decimal | None, mules: int, planned_days: int,
                 book: ParameterBook) -> None:
    if not 1 <= planned_days <= departure.length_days:
        raise AssignmentRefused(_("Planned days must be between 1 and %(days)d, the length of the trek.",
                                  days=departure.length_days), "planned_days")
    if role == StaffRole.ARRIERO and not 1 <= mules <= 20:
        raise AssignmentRefused(_("An arriero comes with 1 to 20 mules."), "mules")
    if role != StaffRole.ARRIERO and mules:
        raise AssignmentRefused(_("Only arrieros bring mules."), "mules")
    if daily_wage is not None and daily_wage <= 0:
        raise AssignmentRefused(_("A daily wage must be positive."), "daily_wage")
    if role == StaffRole.PORTER:
        age = staff.age_on(departure.start_date)
        if age < PORTER_MIN_AGE:
            raise AssignmentRefused(_("%(name)s is %(age)d on %(date)s; porters must be 18 or older (Ley 31614).",
                                      name=staff.full_name, age=age, date=format_date(departure.start_date)),
                                    "staff_member_id")
        floor = book.wage_floor(departure.start_date.year)
        if floor is not None and daily_wage is not None and daily_wage < floor:
            raise AssignmentRefused(_("%(wage)s a day is under the porters' floor of %(floor)s (3%% of the %(year)s UIT).",
                                      wage=format_money(daily_wage), floor=format_money(floor),
                                      year=departure.start_date.year), "daily_wage")


def assign_staff(departure: Departure, staff: StaffMember, role: StaffRole, actor_id: int | None,
                 daily_wage: Decimal | None = None, mules: int = 0,
                 planned_days: int | None = None, book: ParameterBook | None = None) -> StaffAssignment:
    """Put a person on a departure in a role; a porter with no wage entered gets the legal floor."""
    require_status(departure, PLANNING, _("Assigning staff"))
    book = book or ParameterBook.load()
    planned_days = planned_days or departure.length_days
    _check_role(staff, role)
    _check_not_on_departure(departure, staff)
    if role == StaffRole.GUIDE and departure.guide_id is not None:
        raise AssignmentRefused(_("This departure already has a guide, %(name)s; remove them first.",
                                  name=departure.guide.full_name), "staff_member_id")
    _check_person_free(staff, departure.start_date, departure.end_date, departure.id)
    _check_terms(departure, staff, role, daily_wage, mules, planned_days, book)
    if role == StaffRole.PORTER and daily_wage is None:
        daily_wage = book.wage_floor(departure.start_date.year)
    assignment = StaffAssignment(staff_member=staff, role=role, daily_wage=daily_wage,
                                 mules=mules, planned_days=planned_days)
    departure.staff_assignments.append(assignment)
    if role == StaffRole.GUIDE:
        departure.guide = staff
    record_change(actor_id, "create", assignment,
                  summary=f"{departure.code}: {staff.full_name} ({role.value})")
    return assignment


def update_assignment(assignment: StaffAssignment, daily_wage: Decimal | None, mules: int,
                      planned_days: int, actor_id: int | None) -> StaffAssignment:
    """Change the agreed wage, mules or planned days of an assignment."""
    departure = assignment.departure
    require_status(departure, PLANNING, _("Changing an assignment"))
    _check_terms(departure, assignment.staff_member, assignment.role, daily_wage, mules,
                 planned_days, ParameterBook.load())
    before = snapshot(assignment)
    assignment.daily_wage = daily_wage
    assignment.mules = mules
    assignment.planned_days = planned_days
    record_change(actor_id, "update", assignment, before=before,
                  summary=f"{departure.code}: {assignment.staff_member.full_name}")
    return assignment


def remove_assignment(assignment: StaffAssignment, actor_id: int | None) -> None:
    """Take a person off a departure before the trek starts."""
    departure = assignment.departure
    require_status(departure, PLANNING, _("Removing staff"))
    record_change(actor_id, "delete", assignment, before=snapshot(assignment), after=None,
                  summary=f"{departure.code}: {assignment.staff_member.full_name}")
    if assignment.role == StaffRole.GUIDE:
        departure.guide = None
    departure.staff_assignments.remove(assignment)
    db.session.delete(assignment)
    db.session.flush()


# --- Loads and welfare -------------------------------------------------------------------------


def set_load_plan(departure: Departure, company_load_kg: Decimal | None,
                  weighed: dict[int, Decimal | None], actor_id: int | None) -> Departure:
    """Record the company load and each porter's weighed load (assignment id -> kg)."""
    require_status(departure, (*PLANNING, S.IN_PROGRESS), _("Changing the load plan"))
    if company_load_kg is not None and not 0 <= company_load_kg <= MAX_COMPANY_LOAD_KG:
        raise OperationsError(_("The company load must be between 0 and %(max)s kg.",
                                max=format_kg(MAX_COMPANY_LOAD_KG)), "company_load_kg")
    porters = {a.id: a for a in departure.staff_assignments if a.role == StaffRole.PORTER}
    for assignment_id, load in weighed.items():
        if assignment_id not in porters:
            raise OperationsError(_("Only the porters of this departure have a weighed load."))
        if load is not None and not 0 <= load <= MAX_WEIGHED_LOAD_KG:
            raise OperationsError(_("A weighed load of %(load)s kg is not plausible (0 to %(max)s kg).",
                                    load=format_kg(load), max=format_kg(MAX_WEIGHED_LOAD_KG)))
    before = snapshot(departure)
    departure.company_load_kg = company_load_kg
    record_change(actor_id, "update", departure, before=before, summary=f"{departure.code}: load plan")
    for assignment_id, load in weighed.items():
        assignment = porters[assignment_id]
        if assignment.load_kg != load:
            before = snapshot(assignment)
            assignment.load_kg = load
            record_change(actor_id, "update", assignment, before=before,
                          summary=f"{departure.code}: {assignment.staff_member.full_name} weighed")
    return departure


WELFARE_FIELDS = ("welfare_meals", "welfare_shelter", "welfare_clothing", "welfare_first_aid",
                  "welfare_insurance")


def set_welfare(departure: Departure, ticked: dict[str, bool], actor_id: int | None) -> Departure:
    """Record the welfare checklist of a departure."""
    require_status(departure, (*PLANNING, S.IN_PROGRESS), _("Changing the welfare checklist"))
    before = snapshot(departure)
    for key in WELFARE_FIELDS:
        setattr(departure, key, bool(ticked.get(key)))
    record_change(actor_id, "update", departure, before=before, summary=f"{departure.code}: welfare")
    return departure


# --- Workshops ---------------------------------------------------------------------------------


def book_workshop(departure: Departure, association: WeavingAssociation, day: date,
                  expected: int, actor_id: int | None) -> WorkshopBooking:
    """Book a weaving session with an association on a day of the departure."""
    require_status(departure, PLANNING, _("Booking a workshop"))
    if association.is_archived:
        raise OperationsError(_("%(name)s is archived.", name=association.name), "association_id")
    if not departure.start_date <= day <= departure.end_date:
        raise OperationsError(_("%(date)s is not a day of this departure (%(start)s to %(end)s).",
                                date=format_date(day), start=format_date(departure.start_date),
                                end=format_date(departure.end_date)), "day_date")
    if not 1 <= expected <= departure.group_max:
        raise OperationsError(_("Expected participants must be between 1 and the maximum group of %(max)d.",
                                max=departure.group_max), "expected_participants")
    for booking in departure.workshop_bookings:
        if booking.day_date == day and booking.association_id == association.id:
            raise OperationsError(_("%(name)s is already booked on %(date)s.",
                                    name=association.name, date=format_date(day)), "association_id")
    booking = WorkshopBooking(association=association, day_date=day, expected_participants=expected)
    departure.workshop_bookings.append(booking)
    record_change(actor_id, "create", booking, summary=f"{departure.code}: {association.name}")
    return booking


def cancel_workshop(booking: WorkshopBooking, actor_id: int | None) -> None:
    """Remove a workshop booking before the trek starts."""
    departure = booking.departure
    require_status(departure, PLANNING, _("Removing a workshop"))
    record_change(actor_id, "delete", booking, before=snapshot(booking), after=None,
                  summary=f"{departure.code}: {booking.association.name}")
    departure.workshop_bookings.remove(booking)
    db.session.delete(booking)
    db.session.flush()


# --- Status ------------------------------------------------------------------------------------


def change_status(departure: Departure, target: DepartureStatus, actor_id: int | None,
                  today: date, reason: str | None = None,
                  book: ParameterBook | None = None) -> Departure:
    """The one way a departure's status changes; refuses any move the state machine forbids."""
    assert_departure_editable(departure)
    current = departure.status
    if target not in TRANSITIONS[current]:
        allowed = TRANSITIONS[current]
        if allowed:
            options = ", ".join(status_label(status) for status in allowed)
            message = _("A %(current)s departure cannot become %(target)s; it can only become: %(options)s.",
                        current=status_label(current), target=status_label(target), options=options)
        else:
            message = _("A %(current)s departure cannot change status any more.",
                        current=status_label(current))
        raise TransitionRefused(message)
    if target == S.CONFIRMED:
        gaps = departure_gaps(departure, book or ParameterBook.load())
        if gaps:
            raise DepartureNotReady(_("Departure %(code)s cannot be confirmed yet:", code=departure.code), gaps)
    if target == S.IN_PROGRESS and today < departure.start_date:
        raise TransitionRefused(_("The trek starts on %(date)s; it cannot be under way before then.",
                                  date=format_date(departure.start_date)))
    if target == S.COMPLETED and today < departure.end_date:
        raise TransitionRefused(_("The trek ends on %(date)s; it cannot be completed before then.",
                                  date=format_date(departure.end_date)))
    reason = (reason or "").strip() or None
    if target == S.CANCELLED and reason is None:
        raise TransitionRefused(_("Say why the departure is cancelled."))

    before = snapshot(departure)
    departure.status = target
    if target == S.CANCELLED:
        departure.cancelled_reason = reason
    if target == S.COMPLETED:
        departure.completed_at = now_utc()
        _prefill_actuals(departure)
    record_change(actor_id, "status", departure, before=before, reason=reason,
                  summary=f"{departure.code}: {current.value} -> {target.value}")
    return departure


def _prefill_actuals(departure: Departure) -> None:
    """On completion, what was planned is what happened until the manager records otherwise."""
    for allocation in departure.homestay_allocations:
        if allocation.guests_actual is None:
            allocation.guests_actual = allocation.guests_planned
    for booking in departure.workshop_bookings:
        if booking.actual_participants is None:
            booking.actual_participants = booking.expected_participants
    for assignment in departure.staff_assignments:
        if assignment.actual_days is None:
            assignment.actual_days = assignment.planned_days


@dataclass
class Actuals:
    """What actually happened: who walked, guests per family-night, participants, days worked."""

    walked: dict[int, bool]
    guests: dict[int, int]
    participants: dict[int, int]
    days_worked: dict[int, int]


def record_actuals(departure: Departure, actuals: Actuals, actor_id: int | None) -> Departure:
    """Record what a completed departure actually delivered (before the ledger posts it)."""
    require_status(departure, (S.COMPLETED,), _("Recording what happened"))
    walkers = sum(1 for t in departure.travellers if actuals.walked.get(t.id, t.walked))
    for allocation in departure.homestay_allocations:
        guests = actuals.guests.get(allocation.id, allocation.guests_actual or 0)
        if not 0 <= guests <= allocation.family.beds:
            raise OperationsError(_("%(family)s has %(beds)d beds: %(guests)d guests cannot have slept there.",
                                    family=allocation.family.household_head,
                                    beds=allocation.family.beds, guests=guests))
    for night in {a.night_date for a in departure.homestay_allocations}:
        total = sum(actuals.guests.get(a.id, a.guests_actual or 0)
                    for a in departure.homestay_allocations if a.night_date == night)
        if total > walkers:
            raise OperationsError(_("Night of %(date)s: %(guests)d guests, but only %(walkers)d travellers walked.",
                                    date=format_date(night), guests=total, walkers=walkers))
    for booking in departure.workshop_bookings:
        if not 0 <= actuals.participants.get(booking.id, booking.actual_participants or 0) <= walkers:
            raise OperationsError(_("A workshop cannot have more participants than the %(walkers)d travellers who walked.",
                                    walkers=walkers))
    for assignment in departure.staff_assignments:
        if not 0 <= actuals.days_worked.get(assignment.id, assignment.actual_days or 0) <= departure.length_days:
            raise OperationsError(_("Days worked must be between 0 and %(days)d, the length of the trek.",
                                    days=departure.length_days))

    def apply(record, key: str, value) -> None:
        if getattr(record, key) != value:
            before = snapshot(record)
            setattr(record, key, value)
            record_change(actor_id, "actuals", record, before=before, summary=departure.code)

    for traveller in departure.travellers:
        apply(traveller, "walked", actuals.walked.get(traveller.id, traveller.walked))
    for allocation in departure.homestay_allocations:
        apply(allocation, "guests_actual", actuals.guests.get(allocation.id, allocation.guests_actual))
    for booking in departure.workshop_bookings:
        apply(booking, "actual_participants",
              actuals.participants.get(booking.id, booking.actual_participants))
    for assignment in departure.staff_assignments:
        apply(assignment, "actual_days", actuals.days_worked.get(assignment.id, assignment.actual_days))
    return departure
