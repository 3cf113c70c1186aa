"""Demo operations: the four routes, the parameters, and a season of departures around today.

Today in the demo is 25 November 2026. The dry season (May to September 2026) is past: its
departures are completed, with what actually happened recorded. A few departures are planned
for December 2026 (confirmed, or a draft still lacking things) and May 2027 (drafts: the 2027
UIT is not entered yet, so they cannot be confirmed). Every departure goes through the same
services a manager uses, so the demo obeys the rules it shows: staff never on two treks at
once, homestays placed by the rotation, porters paid at least the floor.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.operations.models import (
    Activity,
    Departure,
    DepartureStatus,
    LoadLimit,
    NightKind,
    Route,
    RouteDay,
    RouteDayActivity,
    UitValue,
)
from app.operations.parameters import ParameterBook
from app.operations.readiness import porters_needed
from app.operations.rotation import accept_suggestions
from app.operations.services import (
    Actuals,
    DeparturePlan,
    add_traveller,
    assign_staff,
    book_workshop,
    change_status,
    create_departure,
    overlapping_departure,
    record_actuals,
    set_load_plan,
    set_welfare,
)
from app.registries.models import Community, StaffMember, StaffRole, WeavingAssociation

DEMO_TODAY = date(2026, 11, 25)
S = DepartureStatus
H, C, N, T = NightKind.HOMESTAY, NightKind.CAMP, NightKind.NONE, NightKind.HOTEL

# code, name, price (US$), company load (kg), days:
# (title, walking hours, night kind, night community, [(activity, community)])
ROUTES = [
    ("LAR", "Lares clásico 3 días", "590.00", Decimal("48"), [
        ("Cusco – Lares hot springs – Huacahuasi", 3, H, "Huacahuasi", [(Activity.HOT_SPRINGS, "Lares")]),
        ("Huacahuasi weavers – Ipsayccasa pass (4,450 m) – Patacancha", 7, H, "Patacancha",
         [(Activity.WEAVING_WORKSHOP, "Huacahuasi"), (Activity.PASS_CROSSING, None)]),
        ("Patacancha – Willoc – Ollantaytambo", 4, N, None, [(Activity.TRAIN, None)]),
    ]),
    ("LMP", "Lares y Machu Picchu 4 días", "1190.00", Decimal("48"), [
        ("Cusco – Lares hot springs – Huacahuasi", 3, H, "Huacahuasi", [(Activity.HOT_SPRINGS, "Lares")]),
        ("Huacahuasi weavers – Ipsayccasa pass (4,450 m) – Patacancha", 7, H, "Patacancha",
         [(Activity.WEAVING_WORKSHOP, "Huacahuasi"), (Activity.PASS_CROSSING, None)]),
        ("Patacancha – Ollantaytambo – train to Aguas Calientes", 4, T, None, [(Activity.TRAIN, None)]),
        ("Machu Picchu – train back to Cusco", 2, N, None, [(Activity.MACHU_PICCHU, None), (Activity.TRAIN, None)]),
    ]),
    ("LCO", "Lares corto 2 días", "390.00", Decimal("30"), [
        ("Cusco – Lares hot springs – Choquecancha", 4, H, "Choquecancha",
         [(Activity.HOT_SPRINGS, "Lares"), (Activity.WEAVING_WORKSHOP, "Choquecancha")]),
        ("Choquecancha – Lares – Cusco", 4, N, None, []),
    ]),
    ("LAG", "Lagunas glaciares 4 días (camping)", "820.00", Decimal("75"), [
        ("Quishuarani – Cuncaycocha lagoon", 5, C, "Quishuarani", [(Activity.LAGOON_VISIT, None)]),
        ("Cuncaycocha – Ipsaycocha lagoon, under Sahuasiray", 6, C, "Cuncani", [(Activity.LAGOON_VISIT, None)]),
        ("Ipsayccasa pass (4,450 m) – Patacancha", 6, C, "Patacancha", [(Activity.PASS_CROSSING, None)]),
        ("Patacancha – Ollantaytambo", 4, N, None, [(Activity.TRAIN, None)]),
    ]),
]

# (start, route code, status); completed ones are walked, cancelled ones carry a reason.
DEPARTURES = [
    (date(2026, 5, 9), "LAR", S.COMPLETED), (date(2026, 5, 16), "LCO", S.COMPLETED),
    (date(2026, 5, 23), "LMP", S.COMPLETED), (date(2026, 5, 30), "LAR", S.COMPLETED),
    (date(2026, 6, 6), "LAG", S.COMPLETED), (date(2026, 6, 13), "LAR", S.COMPLETED),
    (date(2026, 6, 14), "LCO", S.COMPLETED), (date(2026, 6, 20), "LMP", S.COMPLETED),
    (date(2026, 6, 27), "LAR", S.COMPLETED), (date(2026, 7, 11), "LAR", S.COMPLETED),
    (date(2026, 7, 18), "LAG", S.COMPLETED), (date(2026, 7, 25), "LAR", S.CANCELLED),
    (date(2026, 8, 1), "LAR", S.COMPLETED), (date(2026, 8, 15), "LMP", S.COMPLETED),
    (date(2026, 8, 22), "LCO", S.COMPLETED), (date(2026, 9, 5), "LAR", S.COMPLETED),
    (date(2026, 9, 12), "LAR", S.COMPLETED), (date(2026, 9, 19), "LAG", S.COMPLETED),
    (date(2026, 9, 26), "LMP", S.COMPLETED),
    (date(2026, 12, 1), "LAR", S.CONFIRMED), (date(2026, 12, 5), "LCO", S.DRAFT),
    (date(2026, 12, 19), "LMP", S.CONFIRMED),
    (date(2027, 5, 8), "LAR", S.DRAFT), (date(2027, 5, 15), "LAG", S.DRAFT),
]

TRAVELLERS = [
    ("Emma Schneider", "Germany", "vegetarian"), ("Liam O'Connor", "Ireland", None),
    ("Sofía Ramírez", "Chile", None), ("Noah Williams", "United States", "no nuts"),
    ("Chloé Martin", "France", "vegan"), ("Lucas Silva", "Brazil", None),
    ("Aiko Tanaka", "Japan", None), ("Olivia Brown", "Canada", "gluten-free"),
    ("Mateo González", "Argentina", None), ("Isabel Núñez", "Spain", None),
    ("Jack Thompson", "Australia", None), ("Freya Larsen", "Denmark", "vegetarian"),
    ("Ruth Cohen", "Israel", "kosher"), ("Pieter de Vries", "Netherlands", None),
    ("Ana Peña", "Mexico", None), ("Oliver Smith", "United Kingdom", None),
]


def seed_operations(communities: dict[str, Community], rng: random.Random) -> list[Departure]:
    """Add the parameters, the four routes and a season of departures; return the departures."""
    with force_locale("es"):
        _parameters()
        routes = {code: _route(code, name, days, communities) for code, name, _p, _l, days in ROUTES}
        db.session.flush()
        book = ParameterBook.load()
        return [_departure(start, routes[code], status, rng, book) for start, code, status in DEPARTURES]


def _parameters() -> None:
    db.session.add(LoadLimit(effective_from=date(2022, 1, 1), limit_kg=Decimal("20"),
                             note="KPAP: 20 kg of company load, excluding the porter's own kit."))
    for year, amount in ((2022, "4600"), (2023, "4950"), (2024, "5150"), (2025, "5350")):
        db.session.add(UitValue(year=year, amount=Decimal(amount), note="SUNAT, D.S. of the year."))
    db.session.add(UitValue(year=2026, amount=Decimal("5500"),
                            note="DEMO VALUE, not the official 2026 UIT: an administrator must enter the real one."))


def _route(code: str, name: str, days: list, communities: dict[str, Community]) -> Route:
    route = Route(code=code, name=name)
    for number, (title, hours, kind, night, activities) in enumerate(days, start=1):
        day = RouteDay(day_number=number, title=title, walking_hours=hours, night_kind=kind,
                       night_community=communities[night] if night else None)
        day.activities = [RouteDayActivity(activity=a, community=communities[c] if c else None)
                          for a, c in activities]
        route.days.append(day)
    db.session.add(route)
    return route


def _free_staff(role: StaffRole, departure: Departure, count: int, rng: random.Random) -> list[StaffMember]:
    """`count` people of `role` free on the departure's dates and not on it yet."""
    taken = {a.staff_member_id for a in departure.staff_assignments}
    candidates = [s for s in db.session.scalars(select(StaffMember).order_by(StaffMember.id))
                  if role in s.roles and s.id not in taken]
    rng.shuffle(candidates)
    chosen = []
    for person in candidates:
        if len(chosen) == count:
            break
        if overlapping_departure(person, departure.start_date, departure.end_date, departure.id) is None:
            chosen.append(person)
    return chosen


def _departure(start: date, route: Route, status: DepartureStatus, rng: random.Random,
               book: ParameterBook) -> Departure:
    price, load = next((Decimal(p), kg) for c, _n, p, kg, _d in ROUTES if c == route.code)
    guide = _free_staff(StaffRole.GUIDE, _probe(route, start), 1, rng)
    departure = create_departure(
        DeparturePlan(route=route, start_date=start, price_per_traveller_usd=price,
                      guide=guide[0] if guide else None), None, DEMO_TODAY)
    size = rng.randint(3, 9)
    for name, nationality, diet in rng.sample(TRAVELLERS, size):
        add_traveller(departure, {"full_name": name, "nationality": nationality, "dietary_needs": diet,
                                  "emergency_contact_name": f"{name.split()[-1]} family",
                                  "emergency_contact_phone": f"+{rng.randint(1, 99)} {rng.randint(200, 999)} {rng.randint(1000000, 9999999)}"},
                      None)
    if start == date(2026, 12, 5):
        return departure  # a draft still lacking porters, homestays and the welfare checklist
    _staff(departure, load, rng, book)
    accept_suggestions(departure, None)
    _workshops(departure, size)
    set_welfare(departure, {"welfare_meals": True, "welfare_shelter": True, "welfare_clothing": True,
                            "welfare_first_aid": True, "welfare_insurance": True}, None)
    if status == S.DRAFT:
        return departure
    if status == S.CANCELLED:
        change_status(departure, S.CANCELLED, None, DEMO_TODAY,
                      reason="Landslide on the Calca–Lares road; the group moved to 1 August.")
        return departure
    change_status(departure, S.CONFIRMED, None, start - timedelta(days=14), book=book)
    if status == S.COMPLETED:
        change_status(departure, S.IN_PROGRESS, None, start)
        change_status(departure, S.COMPLETED, None, departure.end_date)
        _actuals(departure, rng)
    return departure


def _probe(route: Route, start: date) -> Departure:
    """An unsaved departure carrying only dates, to find staff free on them."""
    return Departure(start_date=start, end_date=route.end_date_for(start))


def _staff(departure: Departure, load: Decimal, rng: random.Random, book: ParameterBook) -> None:
    for cook in _free_staff(StaffRole.COOK, departure, 1, rng):
        assign_staff(departure, cook, StaffRole.COOK, None, book=book)
    mules = 4 if departure.route.code == "LAG" else 2
    for arriero in _free_staff(StaffRole.ARRIERO, departure, 1, rng):
        assign_staff(departure, arriero, StaffRole.ARRIERO, None, mules=mules, book=book)
    needed = porters_needed(load, book.load_limit_on(departure.start_date)) or 0
    porters = []
    for porter in _free_staff(StaffRole.PORTER, departure, needed, rng):
        wage = rng.choice([None, None, Decimal("170.00"), Decimal("180.00")])
        porters.append(assign_staff(departure, porter, StaffRole.PORTER, None, daily_wage=wage, book=book))
    set_load_plan(departure, load, {p.id: Decimal(rng.randint(150, 200)) / 10 for p in porters}, None)


def _workshops(departure: Departure, size: int) -> None:
    for day in departure.route.days:
        for link in day.activities:
            if link.activity == Activity.WEAVING_WORKSHOP:
                association = db.session.scalar(select(WeavingAssociation).where(
                    WeavingAssociation.community_id == link.community_id))
                if association is not None:
                    book_workshop(departure, association, departure.date_of_day(day.day_number), size, None)


def _actuals(departure: Departure, rng: random.Random) -> None:
    """What happened: now and then a traveller stays behind, a workshop seat stays empty."""
    travellers = departure.travellers
    stayed = {travellers[0].id} if len(travellers) > 3 and rng.random() < 0.25 else set()
    walked = {t.id: t.id not in stayed for t in travellers}
    guests: dict[int, int] = {}
    for night in sorted({a.night_date for a in departure.homestay_allocations}):
        hosts = [a for a in departure.homestay_allocations if a.night_date == night]
        for index, allocation in enumerate(hosts):
            guests[allocation.id] = allocation.guests_planned - (len(stayed) if index == len(hosts) - 1 else 0)
    participants = {b.id: max(0, len(travellers) - len(stayed) - rng.randint(0, 1))
                    for b in departure.workshop_bookings}
    days = {a.id: a.planned_days for a in departure.staff_assignments}
    record_actuals(departure, Actuals(walked, guests, participants, days), None)
