"""What a departure still lacks before it can be confirmed.

One function answers for the confirm button and for the dashboard, so both say the same thing.
It reads only what the departure has loaded and a `ParameterBook`, so checking many departures
runs no query per departure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _

from app.money import format_money
from app.operations.models import Departure, StaffAssignment, format_kg
from app.operations.parameters import ParameterBook
from app.registries.models import StaffRole

PORTER_MIN_AGE = 18


@dataclass(frozen=True)
class Gap:
    """One thing missing: `kind` groups them on the dashboard, `message` says what and why."""

    kind: str
    message: str


def porters_needed(company_load_kg: Decimal | None, limit_kg: Decimal | None) -> int | None:
    """Ceiling of load / limit; None when the load plan or the limit is unknown."""
    if company_load_kg is None or limit_kg is None:
        return None
    return math.ceil(company_load_kg / limit_kg)


def homestay_nights(departure: Departure) -> list[tuple[date, object]]:
    """(night date, route day) of every homestay night of the departure."""
    return [(departure.date_of_day(day.day_number), day)
            for day in departure.route.days if day.is_homestay_night]


def guests_placed(departure: Departure, night: date) -> int:
    """Travellers placed with families on `night`."""
    return sum(a.guests_planned for a in departure.homestay_allocations if a.night_date == night)


def departure_gaps(departure: Departure, book: ParameterBook) -> list[Gap]:
    """Everything still missing for `departure` to be confirmed (empty: ready)."""
    gaps: list[Gap] = []
    gaps += _group_gaps(departure)
    if departure.guide_id is None:
        gaps.append(Gap("guide", _("No guide is assigned.")))
    gaps += _porter_count_gaps(departure, book)
    gaps += _homestay_gaps(departure)
    porters = [a for a in departure.staff_assignments if a.role == StaffRole.PORTER]
    gaps += _porter_welfare_gaps(departure, porters, book)
    gaps += _insurance_gaps(departure)
    gaps += _welfare_checklist_gaps(departure)
    return gaps


def _group_gaps(departure: Departure) -> list[Gap]:
    count = len(departure.travellers)
    if count < departure.group_min:
        return [Gap("group", _("%(count)d travellers: the minimum group is %(min)d.",
                               count=count, min=departure.group_min))]
    if count > departure.group_max:
        return [Gap("group", _("%(count)d travellers: the maximum group is %(max)d.",
                               count=count, max=departure.group_max))]
    return []


def _porter_count_gaps(departure: Departure, book: ParameterBook) -> list[Gap]:
    limit = book.load_limit_on(departure.start_date)
    if limit is None:
        return [Gap("parameters", _("No porter load limit is in force on %(date)s; an administrator must enter one.",
                                    date=format_date(departure.start_date)))]
    if departure.company_load_kg is None:
        return [Gap("porters", _("No load plan: enter the company load in kg."))]
    needed = porters_needed(departure.company_load_kg, limit)
    assigned = sum(1 for a in departure.staff_assignments if a.role == StaffRole.PORTER)
    if assigned < needed:
        return [Gap("porters", _("%(load)s kg of company load needs %(needed)d porters at %(limit)s kg each; %(assigned)d assigned.",
                                 load=format_kg(departure.company_load_kg), needed=needed, limit=format_kg(limit),
                                 assigned=assigned))]
    return []


def _homestay_gaps(departure: Departure) -> list[Gap]:
    gaps = []
    travellers = len(departure.travellers)
    for night, day in homestay_nights(departure):
        placed = guests_placed(departure, night)
        if travellers == 0 or placed < travellers:
            gaps.append(Gap("homestays", _("Night of %(date)s in %(community)s: %(placed)d of %(count)d travellers placed with families.",
                                           date=format_date(night), community=day.night_community.name,
                                           placed=placed, count=travellers)))
    return gaps


def _porter_welfare_gaps(departure: Departure, porters: list[StaffAssignment],
                         book: ParameterBook) -> list[Gap]:
    gaps = []
    year = departure.start_date.year
    floor = book.wage_floor(year)
    if porters and floor is None:
        gaps.append(Gap("parameters", _("Enter the UIT for %(year)s first: the porters' wage floor is 3%% of it.",
                                        year=year)))
    limit = book.load_limit_on(departure.start_date)
    for assignment in porters:
        person = assignment.staff_member
        age = person.age_on(departure.start_date)
        if age < PORTER_MIN_AGE:
            gaps.append(Gap("age", _("%(name)s is %(age)d on %(date)s; porters must be 18 or older.",
                                     name=person.full_name, age=age, date=format_date(departure.start_date))))
        if floor is not None and (assignment.daily_wage is None or assignment.daily_wage < floor):
            gaps.append(Gap("wage", _("%(name)s is paid %(wage)s a day, under the floor of %(floor)s (3%% of the %(year)s UIT).",
                                      name=person.full_name, wage=format_money(assignment.daily_wage) or "—",
                                      floor=format_money(floor), year=year)))
        if limit is not None and assignment.load_kg is not None and assignment.load_kg > limit:
            gaps.append(Gap("load", _("%(name)s carries %(load)s kg, over the limit of %(limit)s kg.",
                                      name=person.full_name, load=format_kg(assignment.load_kg), limit=format_kg(limit))))
    return gaps


def _insurance_gaps(departure: Departure) -> list[Gap]:
    gaps = []
    for assignment in departure.staff_assignments:
        person = assignment.staff_member
        expiry = person.insurance_expiry
        if expiry is None:
            gaps.append(Gap("insurance", _("%(name)s has no insurance on record.", name=person.full_name)))
        elif expiry < departure.end_date:
            gaps.append(Gap("insurance", _("%(name)s's insurance ends on %(expiry)s, before the trek ends on %(end)s.",
                                           name=person.full_name, expiry=format_date(expiry),
                                           end=format_date(departure.end_date))))
    return gaps


def welfare_items(departure: Departure) -> list[tuple[str, object, bool]]:
    """The checklist: (field name, label, ticked)."""
    return [
        ("welfare_meals", _("Three meals a day for the staff"), departure.welfare_meals),
        ("welfare_shelter", _("Tent and sleeping gear for the staff"), departure.welfare_shelter),
        ("welfare_clothing", _("Proper clothing for the pass"), departure.welfare_clothing),
        ("welfare_first_aid", _("First aid and care for the sick or injured"), departure.welfare_first_aid),
        ("welfare_insurance", _("Insurance and evacuation cover"), departure.welfare_insurance),
    ]


def _welfare_checklist_gaps(departure: Departure) -> list[Gap]:
    missing = [str(label) for _field, label, ticked in welfare_items(departure) if not ticked]
    if not missing:
        return []
    return [Gap("welfare", _("Welfare checklist not complete: %(items)s.", items="; ".join(missing).lower()))]
