"""Builders for operations records: routes, departures and what hangs off them."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from app.operations.models import (
    Activity,
    Departure,
    DepartureStatus,
    HomestayAllocation,
    LoadLimit,
    NightKind,
    Route,
    RouteDay,
    RouteDayActivity,
    StaffAssignment,
    Traveller,
    UitValue,
    WorkshopBooking,
)
from app.registries.models import Community, StaffRole
from tests.builders import Builders

_sequence = itertools.count(1)


class OperationsBuilders:
    """Each method adds one record and flushes it; `build` makes the registry records."""

    def __init__(self, build: Builders) -> None:
        self.build = build
        self.session = build.session

    def _add(self, record):
        self.session.add(record)
        self.session.flush()
        return record

    def route(self, nights: list[tuple[NightKind, Community | None]] | None = None,
              activities: dict[int, list[tuple[Activity, Community | None]]] | None = None,
              **fields) -> Route:
        """A route whose day N ends with `nights[N-1]`; default: two homestay nights, then home."""
        n = next(_sequence)
        if nights is None:
            nights = [(NightKind.HOMESTAY, self.build.community()),
                      (NightKind.HOMESTAY, self.build.community()), (NightKind.NONE, None)]
        route = Route(code=fields.pop("code", f"R{n:03d}"), name=fields.pop("name", f"Route {n}"),
                      **fields)
        for number, (kind, community) in enumerate(nights, start=1):
            day = RouteDay(day_number=number, title=f"Day {number}", night_kind=kind,
                           night_community=community)
            for activity, where in (activities or {}).get(number, []):
                day.activities.append(RouteDayActivity(activity=activity, community=where))
            route.days.append(day)
        return self._add(route)

    def departure(self, route: Route | None = None, start: date = date(2026, 6, 14), **fields) -> Departure:
        """A draft departure starting on `start`."""
        n = next(_sequence)
        route = route or self.route()
        return self._add(Departure(
            code=fields.pop("code", f"{route.code}-{start.isoformat()}-{n}"),
            route=route, start_date=start, end_date=fields.pop("end_date", route.end_date_for(start)),
            status=fields.pop("status", DepartureStatus.DRAFT),
            price_per_traveller_usd=fields.pop("price_per_traveller_usd", Decimal("590.00")),
            group_min=fields.pop("group_min", 2), group_max=fields.pop("group_max", 12),
            **fields,
        ))

    def traveller(self, departure: Departure, **fields) -> Traveller:
        n = next(_sequence)
        return self._add(Traveller(
            departure=departure, full_name=fields.pop("full_name", f"Traveller {n}"),
            nationality=fields.pop("nationality", "Canada"),
            emergency_contact_name=fields.pop("emergency_contact_name", "Sam Doe"),
            emergency_contact_phone=fields.pop("emergency_contact_phone", "+1 555 0100"),
            **fields,
        ))

    def assignment(self, departure: Departure, staff=None, role: StaffRole = StaffRole.PORTER,
                   **fields) -> StaffAssignment:
        staff = staff or self.build.staff(roles={role})
        return self._add(StaffAssignment(
            departure=departure, staff_member=staff, role=role,
            planned_days=fields.pop("planned_days", departure.length_days), **fields,
        ))

    def allocation(self, departure: Departure, family, night: date, guests: int = 2,
                   **fields) -> HomestayAllocation:
        return self._add(HomestayAllocation(
            departure=departure, family=family, night_date=night, guests_planned=guests, **fields,
        ))

    def workshop(self, departure: Departure, association=None, day: date | None = None,
                 expected: int = 4, **fields) -> WorkshopBooking:
        return self._add(WorkshopBooking(
            departure=departure, association=association or self.build.association(),
            day_date=day or departure.start_date, expected_participants=expected, **fields,
        ))

    def parameters(self, uit_years: dict[int, str] | None = None, limit_kg: str = "20") -> None:
        """The load limit from 2022 and the UIT of the given years (default 2022-2026)."""
        self._add(LoadLimit(effective_from=date(2022, 1, 1), limit_kg=Decimal(limit_kg)))
        years = uit_years or {2022: "4600", 2023: "4950", 2024: "5150", 2025: "5350", 2026: "5500"}
        for year, amount in years.items():
            self._add(UitValue(year=year, amount=Decimal(amount)))
