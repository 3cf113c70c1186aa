"""Read-side queries: the departures list, the month calendar, the dashboard and headcounts.

Each reads a constant number of queries whatever the number of departures: relations are
eager-loaded, the group size is a subquery in the same SELECT.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import defaultload, lazyload, selectinload, undefer

from app.extensions import db
from app.operations.models import (
    Departure,
    DepartureStatus,
    HomestayAllocation,
    NightKind,
    Route,
    RouteDay,
    StaffAssignment,
    Traveller,
)
from app.operations.parameters import ParameterBook
from app.operations.readiness import Gap, departure_gaps
from app.registries.models import StaffMember

DASHBOARD_DAYS = 14


def month_bounds(month: str | None, today: date) -> tuple[date, date]:
    """First and last day of `month` ('2026-06'), or of today's month."""
    if month:
        year, number = (int(part) for part in month.split("-"))
    else:
        year, number = today.year, today.month
    first = date(year, number, 1)
    return first, date(year, number, calendar.monthrange(year, number)[1])


def departures_query(status: str | None = None, route_id: int | None = None,
                     month: tuple[date, date] | None = None) -> Select:
    """Departures, newest start first, filtered by status, route and a month they overlap."""
    query = (select(Departure).options(undefer(Departure.traveller_count))
             .order_by(Departure.start_date.desc(), Departure.code))
    if status:
        query = query.where(Departure.status == DepartureStatus(status))
    if route_id:
        query = query.where(Departure.route_id == route_id)
    if month:
        first, last = month
        query = query.where(Departure.start_date <= last, Departure.end_date >= first)
    return query


def full_departure_options():
    """Everything a departure page, a readiness check or a manifest reads, in a few queries."""
    return (
        selectinload(Departure.travellers),
        selectinload(Departure.staff_assignments).selectinload(StaffAssignment.staff_member),
        selectinload(Departure.homestay_allocations).joinedload(HomestayAllocation.family),
        selectinload(Departure.workshop_bookings),
        selectinload(Departure.route).selectinload(Route.days).selectinload(RouteDay.activities),
    )


@dataclass
class CalendarDay:
    """One cell of the month calendar."""

    day: date
    in_month: bool
    departures: list[Departure] = field(default_factory=list)


def month_calendar(first: date, last: date) -> list[list[CalendarDay]]:
    """Weeks (Monday first) covering the month, each day with the departures on the trail."""
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    departures = list(db.session.scalars(
        select(Departure).where(Departure.start_date <= end, Departure.end_date >= start)
        .order_by(Departure.start_date, Departure.code)
    ))
    weeks: list[list[CalendarDay]] = []
    day = start
    while day <= end:
        week = []
        for _ in range(7):
            on_trail = [d for d in departures if d.start_date <= day <= d.end_date]
            week.append(CalendarDay(day, first <= day <= last, on_trail))
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


@dataclass
class DashboardEntry:
    """An upcoming departure and what it still lacks."""

    departure: Departure
    gaps: list[Gap]


@dataclass
class NightCount:
    """People on the trail one night, across departures: beds, meals and mules to arrange."""

    day: date
    codes: list[str] = field(default_factory=list)
    travellers: int = 0
    staff: int = 0
    beds: int = 0
    meals: int = 0
    mules: int = 0


LIVE = (DepartureStatus.DRAFT, DepartureStatus.CONFIRMED, DepartureStatus.IN_PROGRESS)


def readiness_options():
    """What `departure_gaps` and `headcount` read, and nothing more (the dashboard's loads).

    Compared with `full_departure_options`: travellers by id only, no workshops, no route
    activities, no staff roles; each statement saved is about a millisecond of every dashboard.
    """
    return (
        selectinload(Departure.travellers).load_only(Traveller.id),
        selectinload(Departure.staff_assignments).joinedload(StaffAssignment.staff_member)
        .lazyload(StaffMember.role_links),
        lazyload(Departure.guide),
        selectinload(Departure.homestay_allocations).lazyload(HomestayAllocation.family),
        defaultload(Departure.route).selectinload(Route.days).lazyload(RouteDay.activities),
    )


def upcoming_departures(today: date, days: int = DASHBOARD_DAYS) -> list[Departure]:
    """Live departures on the trail in the next `days` days (starting or already under way)."""
    horizon = today + timedelta(days=days - 1)
    return list(db.session.scalars(
        select(Departure).options(*readiness_options())
        .where(Departure.status.in_(LIVE), Departure.start_date <= horizon, Departure.end_date >= today)
        .order_by(Departure.start_date, Departure.code)
    ))


def dashboard(today: date) -> tuple[list[DashboardEntry], list[NightCount]]:
    """The next 14 days: each departure with its gaps (confirmed ones too), and nightly headcounts."""
    departures = upcoming_departures(today)
    book = ParameterBook.load()
    entries = [DashboardEntry(d, departure_gaps(d, book) if d.status != DepartureStatus.IN_PROGRESS else [])
               for d in departures]
    return entries, headcount(departures, today, today + timedelta(days=DASHBOARD_DAYS - 1))


def headcount(departures: list[Departure], first: date, last: date) -> list[NightCount]:
    """Per day of multi-day treks: travellers, staff, beds for the night, three meals each, mules."""
    nights: dict[date, NightCount] = {}
    for departure in departures:
        if departure.length_days < 2:
            continue
        travellers = len(departure.travellers)
        staff = len(departure.staff_assignments)
        mules = sum(a.mules for a in departure.staff_assignments)
        for route_day in departure.route.days:
            day = departure.date_of_day(route_day.day_number)
            if not first <= day <= last:
                continue
            count = nights.setdefault(day, NightCount(day))
            count.codes.append(departure.code)
            count.travellers += travellers
            count.staff += staff
            count.meals += 3 * (travellers + staff)
            count.mules += mules
            if route_day.night_kind != NightKind.NONE:
                count.beds += travellers + staff
    return [nights[day] for day in sorted(nights)]


def dashboard_page(today: date) -> dict[str, object]:
    """Everything the dashboard page shows on `today` (/operations and the manager's start page)."""
    entries, nights = dashboard(today)
    return {"entries": entries, "nights": nights, "today": today,
            "horizon": today + timedelta(days=DASHBOARD_DAYS - 1)}
