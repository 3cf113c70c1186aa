"""Compute an impact report's figures from the ledger and operations, for a period and scope.

Which treks count: COMPLETED departures whose last day falls in the period, posted to the
ledger, and (for a report on some communities) that slept, hosted or held a workshop in one of
them. Completed departures not yet posted are left out and listed as a warning.

What "paid" means follows the basis (GRI EC6): on ACCRUAL, the obligations the ledger recorded
for those treks (less those voided by the period's last day); on CASH, the posted payments dated
in the period, by the obligations they settle. Counts (travellers, guest-nights, days worked)
always come from what actually happened on the treks. "As at" figures (paid, outstanding, days
to pay porters) use payments dated on or before the period's last day, so computing a closed
period again gives the same figures.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from app.clock import to_lima
from app.extensions import db
from app.impact.figures import (
    ZERO,
    CategoryIncome,
    CommunityFigures,
    Comparison,
    Fairness,
    FamilyShare,
    Headline,
    ImpactFigures,
    Methodology,
    MonthFigures,
    PorterWelfare,
    ReportWarning,
    WageFloor,
    WomenIncome,
)
from app.impact.measures import gini, median, ratio
from app.impact.models import Basis
from app.impact.periods import Period
from app.ledger.models import AccountingPeriod, ExchangeRate, JournalEntry, Obligation, ServiceKind
from app.ledger.rates import EXCHANGE_RATE_VALID_DAYS
from app.money import round_money
from app.operations.models import (
    Departure,
    DepartureStatus,
    HomestayAllocation,
    LoadLimit,
    Route,
    RouteDay,
    StaffAssignment,
    Traveller,
    UitValue,
    WorkshopBooking,
)
from app.payments.models import Payment, PaymentAllocation
from app.registries.models import (
    Community,
    Gender,
    HomestayFamily,
    PayeeKind,
    StaffMember,
    StaffRole,
    WeavingAssociation,
)

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
DEFAULT_LOAD_LIMIT_KG = Decimal("20.0")
WAGE_FLOOR_SHARE_OF_UIT = Decimal("0.03")
KPAP_DAYS_TO_PAY = 2


class ImpactError(ValueError):
    """A report that cannot be computed as asked (reversed dates, unknown community...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Income:
    """One amount paid (or owed) to one payee in one community for one kind of service."""

    payee_kind: PayeeKind
    payee_id: int
    community_id: int | None
    service: ServiceKind
    amount: Decimal
    day: date  # accrual: the trek's last day; cash: the payment's date


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


@dataclass(frozen=True, slots=True)
class Member:
    """A family, association or staff member as a report sees it: the community it belongs to."""

    community_id: int | None


@dataclass(frozen=True, slots=True)
class TrekTraveller:
    """A traveller: whether they walked."""

    walked: bool


@dataclass(frozen=True, slots=True)
class TrekAllocation:
    """Guests a family actually hosted on a night."""

    family_id: int
    guests_actual: int | None
    family: Member


@dataclass(frozen=True, slots=True)
class TrekBooking:
    """A workshop and who actually took part."""

    association_id: int
    actual_participants: int | None
    association: Member


@dataclass(frozen=True, slots=True)
class TrekAssignment:
    """A staff member's days on a departure, and the load they carried."""

    departure_id: int
    staff_member_id: int
    role: StaffRole
    actual_days: int | None
    load_kg: Decimal | None
    staff_member: Member


@dataclass
class Trek:
    """A completed departure with what a report counts of it (read as plain rows, not ORM
    objects: a year at scale is thousands of them)."""

    id: int
    code: str
    start_date: date
    end_date: date
    posted_at: object
    price_per_traveller_usd: Decimal
    route: Route
    travellers: list[TrekTraveller] = field(default_factory=list)
    homestay_allocations: list[TrekAllocation] = field(default_factory=list)
    workshop_bookings: list[TrekBooking] = field(default_factory=list)
    staff_assignments: list[TrekAssignment] = field(default_factory=list)


@dataclass
class Treks:
    """The departures a period reports on, and what is known about them."""

    reported: list[Trek] = field(default_factory=list)
    unposted: list[Trek] = field(default_factory=list)


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


def make_period(start: date, end: date) -> Period:
    """The period from `start` to `end`, refusing reversed dates with a clear message."""
    if start > end:
        raise ImpactError(
            f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})",
            field="end",
        )
    return Period(start, end)


# --- Loading -----------------------------------------------------------------------------------


def _touches(departure: Departure, scope: Scope) -> bool:
    if scope.ids is None:
        return True
    return bool(_communities_visited(departure) & scope.ids) or any(
        scope.includes(b.association.community_id) for b in departure.workshop_bookings
    )


def _communities_visited(departure: Departure) -> set[int]:
    """Where the group went: route nights (homestay or camp), day visits (hot springs,
    workshops) and the communities of the families that hosted it."""
    visited = {day.night_community_id for day in departure.route.days if day.night_community_id}
    visited |= {link.community_id for day in departure.route.days for link in day.activities
                if link.community_id}
    visited |= {a.family.community_id for a in departure.homestay_allocations if a.guests_actual}
    return visited


def load_treks(period: Period, scope: Scope) -> Treks:
    """Completed departures ending in the period and touching the scope, posted or not.

    Six queries whatever the period's size: the departures, then their travellers, homestays,
    workshops and staff as plain rows joined to the same filter, and the routes.
    """
    ending = (Departure.status == DepartureStatus.COMPLETED,
              Departure.end_date >= period.start, Departure.end_date <= period.end)
    chosen = select(Departure.id).where(*ending)
    treks = {
        row.id: Trek(row.id, row.code, row.start_date, row.end_date, row.posted_at,
                     row.price_per_traveller_usd, row.route_id)
        for row in db.session.execute(
            select(Departure.id, Departure.code, Departure.start_date, Departure.end_date,
                   Departure.posted_at, Departure.price_per_traveller_usd, Departure.route_id)
            .where(*ending).order_by(Departure.end_date, Departure.code))
    }
    if not treks:
        return Treks()
    routes = {route.id: route for route in db.session.scalars(
        select(Route).where(Route.id.in_({trek.route for trek in treks.values()}))
        .options(selectinload(Route.days).selectinload(RouteDay.activities)))}
    for trek in treks.values():
        trek.route = routes[trek.route]
    for departure_id, walked in db.session.execute(
            select(Traveller.departure_id, Traveller.walked).where(Traveller.departure_id.in_(chosen))
            .order_by(Traveller.id)):
        treks[departure_id].travellers.append(TrekTraveller(walked))
    for departure_id, family_id, guests, community_id in db.session.execute(
            select(HomestayAllocation.departure_id, HomestayAllocation.family_id,
                   HomestayAllocation.guests_actual, HomestayFamily.community_id)
            .join(HomestayFamily, HomestayFamily.id == HomestayAllocation.family_id)
            .where(HomestayAllocation.departure_id.in_(chosen))
            .order_by(HomestayAllocation.night_date, HomestayAllocation.id)):
        treks[departure_id].homestay_allocations.append(TrekAllocation(family_id, guests, Member(community_id)))
    for departure_id, association_id, participants, community_id in db.session.execute(
            select(WorkshopBooking.departure_id, WorkshopBooking.association_id,
                   WorkshopBooking.actual_participants, WeavingAssociation.community_id)
            .join(WeavingAssociation, WeavingAssociation.id == WorkshopBooking.association_id)
            .where(WorkshopBooking.departure_id.in_(chosen))
            .order_by(WorkshopBooking.day_date, WorkshopBooking.id)):
        treks[departure_id].workshop_bookings.append(TrekBooking(association_id, participants, Member(community_id)))
    for row in db.session.execute(
            select(StaffAssignment.departure_id, StaffAssignment.staff_member_id, StaffAssignment.role,
                   StaffAssignment.actual_days, StaffAssignment.load_kg, StaffMember.community_id)
            .join(StaffMember, StaffMember.id == StaffAssignment.staff_member_id)
            .where(StaffAssignment.departure_id.in_(chosen)).order_by(StaffAssignment.id)):
        treks[row.departure_id].staff_assignments.append(TrekAssignment(
            row.departure_id, row.staff_member_id, row.role, row.actual_days, row.load_kg,
            Member(row.community_id)))
    result = Treks()
    for trek in treks.values():
        if _touches(trek, scope):
            (result.reported if trek.posted_at is not None else result.unposted).append(trek)
    return result


# The columns of an obligation a report reads (rows, not ORM objects: a year is thousands).
OBLIGATION_COLUMNS = (Obligation.id, Obligation.payee_kind, Obligation.payee_id, Obligation.community_id,
                      Obligation.service, Obligation.quantity, Obligation.unit_rate, Obligation.amount,
                      Obligation.trek_end_date, Obligation.departure_id)


def _live_obligations(departure_ids: list[int], as_of: date):
    """The departures' obligations, less those voided on or before `as_of` (rows)."""
    if not departure_ids:
        return []
    void_entry = aliased(JournalEntry)
    rows = db.session.execute(
        select(*OBLIGATION_COLUMNS, void_entry.entry_date.label("voided_on"))
        .outerjoin(void_entry, void_entry.id == Obligation.void_entry_id)
        .where(Obligation.departure_id.in_(departure_ids))
        .order_by(Obligation.id)
    ).all()
    return [row for row in rows if row.voided_on is None or row.voided_on > as_of]


# A payment counts once posted; a posted payment voided later still counted until its void.
PAYMENT_WAS_POSTED = Payment.posted_at.is_not(None)


def _still_paid(voided_at, as_of: date) -> bool:
    return voided_at is None or to_lima(voided_at).date() > as_of


def _payments_of(departure_ids: list[int], as_of: date) -> dict[int, list[tuple[date, Decimal]]]:
    """Per obligation of these departures: (payment date, amount) of the payments that counted
    on `as_of` (one query, joined to the departures rather than listing thousands of ids)."""
    if not departure_ids:
        return {}
    rows = db.session.execute(
        select(PaymentAllocation.obligation_id, PaymentAllocation.amount, Payment.payment_date,
               Payment.voided_at)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Obligation, Obligation.id == PaymentAllocation.obligation_id)
        .where(Obligation.departure_id.in_(departure_ids), Payment.payment_date <= as_of,
               PAYMENT_WAS_POSTED)
        .order_by(Payment.payment_date, Payment.id)
    ).all()
    paid: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for obligation_id, amount, payment_date, voided_at in rows:
        if _still_paid(voided_at, as_of):
            paid[obligation_id].append((payment_date, amount))
    return paid


def _cash_income(period: Period) -> list[Income]:
    """Posted payments dated in the period, by the obligations they settle."""
    rows = db.session.execute(
        select(PaymentAllocation.amount, Obligation.payee_kind, Obligation.payee_id,
               Obligation.community_id, Obligation.service, Payment.payment_date, Payment.voided_at)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Obligation, Obligation.id == PaymentAllocation.obligation_id)
        .where(Payment.payment_date >= period.start, Payment.payment_date <= period.end,
               PAYMENT_WAS_POSTED)
        .order_by(Payment.id, PaymentAllocation.id)
    ).all()
    return [
        Income(kind, payee_id, community_id, service, amount, payment_date)
        for amount, kind, payee_id, community_id, service, payment_date, voided_at in rows
        if _still_paid(voided_at, period.end)
    ]


def _income(basis: Basis, period: Period, obligations: list[Obligation], scope: Scope) -> list[Income]:
    if basis == Basis.ACCRUAL:
        lines = [Income(o.payee_kind, o.payee_id, o.community_id, o.service, o.amount, o.trek_end_date)
                 for o in obligations]
    else:
        lines = _cash_income(period)
    return [line for line in lines if scope.includes(line.community_id)]


def _categories(lines: Iterable[Income]) -> CategoryIncome:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        sums[CATEGORY_OF_SERVICE[line.service]] += line.amount
    return CategoryIncome(**sums)


class RateBook:
    """USD→PEN rates: the latest dated on or before a day, if recent enough (as the ledger rules)."""

    def __init__(self, until: date) -> None:
        rows = db.session.execute(
            select(ExchangeRate.rate_date, ExchangeRate.usd_to_pen)
            .where(ExchangeRate.rate_date <= until).order_by(ExchangeRate.rate_date)
        ).all()
        self.days = [row[0] for row in rows]
        self.rates = [row[1] for row in rows]

    def on(self, day: date) -> Decimal | None:
        """The rate in force on `day`, or None."""
        index = bisect.bisect_right(self.days, day) - 1
        if index < 0 or self.days[index] <= day - timedelta(days=EXCHANGE_RATE_VALID_DAYS):
            return None
        return self.rates[index]


# --- The figures -------------------------------------------------------------------------------


@dataclass
class Core:
    """Headline-level results for one period (used for the period and the year before)."""

    headline: Headline
    treks: Treks
    obligations: list[Obligation]
    income: list[Income]
    rates_used: list[Decimal]
    missing_rates: list[str]


def _compute_core(period: Period, scope: Scope, basis: Basis) -> Core:
    treks = load_treks(period, scope)
    departures = treks.reported
    obligations = _live_obligations([d.id for d in departures], period.end)
    income = _income(basis, period, obligations, scope)
    by_category = _categories(income)

    allocations = [a for d in departures for a in d.homestay_allocations
                   if a.guests_actual and scope.includes(a.family.community_id)]
    bookings = [b for d in departures for b in d.workshop_bookings
                if b.actual_participants and scope.includes(b.association.community_id)]
    staff_days = [a for d in departures for a in d.staff_assignments
                  if a.actual_days and scope.includes(a.staff_member.community_id)]
    associations_paid = {line.payee_id for line in income
                         if line.payee_kind == PayeeKind.ASSOCIATION and line.amount > 0}
    members = dict(db.session.execute(
        select(WeavingAssociation.id, WeavingAssociation.members)
        .where(WeavingAssociation.id.in_(associations_paid))
    ).all()) if associations_paid else {}

    rates = RateBook(max((d.start_date for d in departures), default=period.end))
    price_usd, price_pen, rates_used, missing = ZERO, ZERO, [], []
    for departure in departures:
        usd = departure.price_per_traveller_usd * len(departure.travellers)
        rate = rates.on(departure.start_date)
        price_usd += usd
        if rate is None:
            missing.append(departure.code)
        else:
            rates_used.append(rate)
            price_pen += round_money(usd * rate)
    share = None if missing else ratio(by_category.to_members, price_pen)

    headline = Headline(
        departures=len(departures),
        travellers=sum(1 for d in departures for t in d.travellers if t.walked),
        guest_nights=sum(a.guests_actual for a in allocations),
        families_hosted=len({a.family_id for a in allocations}),
        associations_paid=len(associations_paid),
        weavers=sum(members.values()),
        workshop_participants=sum(b.actual_participants for b in bookings),
        staff_employed=len({a.staff_member_id for a in staff_days}),
        staff_person_days=sum(a.actual_days for a in staff_days),
        income=by_category,
        trip_price_usd=price_usd,
        trip_price_pen=price_pen,
        community_share=share,
    )
    return Core(headline, treks, obligations, income, rates_used, missing)


def _community_rows(core: Core, scope: Scope, obligations: list[Obligation],
                    paid_by: dict[int, list[tuple[date, Decimal]]]) -> tuple[CommunityFigures, ...]:
    """Per community in scope with any activity (or named in the scope): the table's rows."""
    travellers: dict[int, int] = defaultdict(int)
    nights: dict[int, int] = defaultdict(int)
    families: dict[int, set[int]] = defaultdict(set)
    for departure in core.treks.reported:
        walked = sum(1 for t in departure.travellers if t.walked)
        for community_id in _communities_visited(departure):
            travellers[community_id] += walked
        for allocation in departure.homestay_allocations:
            if allocation.guests_actual:
                nights[allocation.family.community_id] += allocation.guests_actual
                families[allocation.family.community_id].add(allocation.family_id)
    income_by: dict[int, list[Income]] = defaultdict(list)
    for line in core.income:
        income_by[line.community_id].append(line)
    owed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for obligation in obligations:
        owed[obligation.community_id] += obligation.amount
        paid[obligation.community_id] += sum((amount for _, amount in paid_by.get(obligation.id, [])), ZERO)

    ids = {i for i in (*travellers, *nights, *income_by, *owed) if scope.includes(i)}
    if scope.ids is not None:
        ids |= scope.ids
    communities = db.session.scalars(select(Community).where(Community.id.in_(ids))).all()
    return tuple(
        CommunityFigures(
            slug=c.slug, name=c.name, travellers=travellers[c.id], guest_nights=nights[c.id],
            families_hosted=len(families[c.id]), income=_categories(income_by[c.id]),
            paid=paid[c.id], outstanding=owed[c.id] - paid[c.id],
        )
        for c in sorted(communities, key=lambda c: c.name)
    )


def _fairness(core: Core, period: Period, rows: tuple[CommunityFigures, ...]
              ) -> tuple[Fairness, ...]:
    """Per community with homestays: the spread of guest-nights and income over its families."""
    nights: dict[int, int] = defaultdict(int)
    for departure in core.treks.reported:
        for allocation in departure.homestay_allocations:
            if allocation.guests_actual:
                nights[allocation.family_id] += allocation.guests_actual
    income: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in core.income:
        if line.payee_kind == PayeeKind.FAMILY and line.service == ServiceKind.HOMESTAY_NIGHT:
            income[line.payee_id] += line.amount
    slugs = {row.slug for row in rows}
    roster_end = period.end + timedelta(days=1)
    families = db.session.scalars(
        select(HomestayFamily).join(Community).where(Community.slug.in_(slugs))
    ).all()
    by_community: dict[Community, list[HomestayFamily]] = defaultdict(list)
    for family in families:
        on_roster = (to_lima(family.created_at).date() < roster_end
                     and (family.archived_at is None or to_lima(family.archived_at).date() >= period.start))
        if on_roster or nights[family.id] or income[family.id]:
            by_community[family.community].append(family)
    result = []
    for community in sorted(by_community, key=lambda c: c.name):
        members = by_community[community]
        if not any(nights[f.id] or income[f.id] for f in members):
            continue
        shares = sorted((FamilyShare(nights[f.id], income[f.id]) for f in members),
                        key=lambda s: (s.income, s.guest_nights), reverse=True)
        count = len(shares)
        result.append(Fairness(
            slug=community.slug, name=community.name, families=count,
            families_hosted=sum(1 for s in shares if s.guest_nights),
            distribution=tuple(shares),
            nights_per_family=(Decimal(sum(s.guest_nights for s in shares)) / count).quantize(Decimal("0.1")),
            income_per_family=round_money(sum((s.income for s in shares), ZERO) / count),
            nights_most=max(s.guest_nights for s in shares), nights_least=min(s.guest_nights for s in shares),
            income_most=max(s.income for s in shares), income_least=min(s.income for s in shares),
            gini_income=gini(s.income for s in shares), gini_nights=gini(s.guest_nights for s in shares),
        ))
    return tuple(result)


def _women(core: Core) -> WomenIncome:
    host_income: dict[int, Decimal] = defaultdict(lambda: ZERO)
    weaving_income: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in core.income:
        if line.service == ServiceKind.HOMESTAY_NIGHT:
            host_income[line.payee_id] += line.amount
        elif line.service == ServiceKind.WORKSHOP_PARTICIPANT:
            weaving_income[line.payee_id] += line.amount
    women_hosts_ids = set(db.session.scalars(
        select(HomestayFamily.id).where(HomestayFamily.id.in_(host_income),
                                        HomestayFamily.host_gender == Gender.FEMALE)
    )) if host_income else set()
    associations = {a.id: a for a in db.session.scalars(
        select(WeavingAssociation).where(WeavingAssociation.id.in_(weaving_income))
    )} if weaving_income else {}
    hosts_total = sum(host_income.values(), ZERO)
    women_hosts = sum((v for k, v in host_income.items() if k in women_hosts_ids), ZERO)
    weaving_total = sum(weaving_income.values(), ZERO)
    women_weavers = sum(
        (round_money(amount * associations[k].women_members / associations[k].members)
         for k, amount in weaving_income.items()), ZERO,
    )
    return WomenIncome(
        hosts_total=hosts_total, women_hosts=women_hosts, weaving_total=weaving_total,
        women_weavers=women_weavers, hosts_share=ratio(women_hosts, hosts_total),
        weavers_share=ratio(women_weavers, weaving_total),
        share=ratio(women_hosts + women_weavers, hosts_total + weaving_total),
    )


def _fully_paid_on(obligation: Obligation, payments: list[tuple[date, Decimal]]) -> date | None:
    running = ZERO
    for day, amount in payments:
        running += amount
        if running >= obligation.amount:
            return day
    return None


def _porters(core: Core, paid_by: dict[int, list[tuple[date, Decimal]]]) -> tuple[PorterWelfare, list[str]]:
    departures = {d.id: d for d in core.treks.reported}
    assignments = [a for d in core.treks.reported for a in d.staff_assignments
                   if a.role == StaffRole.PORTER and a.actual_days]
    wages = [o for o in core.obligations if o.service == ServiceKind.PORTER_DAY]
    years = sorted({departures[o.departure_id].end_date.year for o in wages})
    uit = dict(db.session.execute(select(UitValue.year, UitValue.amount).where(UitValue.year.in_(years))).all())
    floors = {year: round_money(uit[year] * WAGE_FLOOR_SHARE_OF_UIT) if year in uit else None for year in years}
    missing_uit = [str(year) for year, floor in floors.items() if floor is None]

    limits = db.session.execute(select(LoadLimit.effective_from, LoadLimit.limit_kg)
                                .order_by(LoadLimit.effective_from)).all()

    def limit_on(day: date) -> Decimal:
        applicable = [kg for since, kg in limits if since <= day]
        return applicable[-1] if applicable else DEFAULT_LOAD_LIMIT_KG

    weighed = [(a, limit_on(departures[a.departure_id].start_date)) for a in assignments if a.load_kg is not None]
    days_weighed = sum(a.actual_days for a, _ in weighed)
    days_within = sum(a.actual_days for a, kg in weighed if a.load_kg <= kg)

    delays: list[int] = []
    unpaid = 0
    for obligation in wages:
        paid_on = _fully_paid_on(obligation, paid_by.get(obligation.id, []))
        if paid_on is None:
            unpaid += 1
        else:
            delays.append((paid_on - obligation.trek_end_date).days)
    person_days = sum(o.quantity for o in wages)
    welfare = PorterWelfare(
        porters=len({a.staff_member_id for a in assignments}),
        person_days=person_days,
        lowest_wage=min((o.unit_rate for o in wages), default=None),
        average_wage=round_money(sum((o.amount for o in wages), ZERO) / person_days) if person_days else None,
        floors=tuple(WageFloor(year, uit.get(year), floors[year]) for year in years),
        days_below_floor=sum(o.quantity for o in wages
                             if floors[departures[o.departure_id].end_date.year] is not None
                             and o.unit_rate < floors[departures[o.departure_id].end_date.year]),
        load_limits_kg=tuple(sorted({kg for _, kg in weighed})),
        days_weighed=days_weighed, days_within_load=days_within,
        within_load_share=ratio(days_within, days_weighed),
        median_days_to_payment=median(delays),
        paid_within_two_days_share=ratio(sum(1 for d in delays if d <= KPAP_DAYS_TO_PAY), len(delays)),
        assignments_paid=len(delays), assignments_unpaid=unpaid,
    )
    return welfare, missing_uit


def _monthly(period: Period, core: Core, scope: Scope) -> dict[date, MonthFigures]:
    """Departures, travellers and guest-nights by the month a trek ended; income by its day."""
    months: dict[date, dict[str, int]] = {m: defaultdict(int) for m in period.months()}
    for departure in core.treks.reported:
        month = months[departure.end_date.replace(day=1)]
        month["departures"] += 1
        month["travellers"] += sum(1 for t in departure.travellers if t.walked)
        month["guest_nights"] += sum(a.guests_actual or 0 for a in departure.homestay_allocations
                                     if scope.includes(a.family.community_id))
    paid: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for line in core.income:
        paid[line.day.replace(day=1)] += line.amount
    return {m: MonthFigures(month=m, departures=v["departures"], travellers=v["travellers"],
                            guest_nights=v["guest_nights"], paid_total=paid[m])
            for m, v in months.items()}


def _closed_months(period: Period) -> set[tuple[int, int]]:
    rows = db.session.execute(
        select(AccountingPeriod.year, AccountingPeriod.month)
        .where(AccountingPeriod.closed_at.is_not(None),
               AccountingPeriod.year >= period.start.year, AccountingPeriod.year <= period.end.year)
    ).all()
    return {(year, month) for year, month in rows}


def open_months(period: Period) -> list[str]:
    """The months of the period not closed in the ledger (`2026-06`), oldest first."""
    closed = _closed_months(period)
    return [f"{m.year:04d}-{m.month:02d}" for m in period.months() if (m.year, m.month) not in closed]


def compute_figures(start: date, end: date, basis: Basis | str = Basis.ACCRUAL,
                    community_slugs: Iterable[str] = ()) -> ImpactFigures:
    """Every figure of the report for these dates (both included), communities and basis."""
    period = make_period(start, end)
    try:
        basis = Basis(basis)
    except ValueError as exc:
        raise ImpactError(f"unknown basis: {basis!r} (accrual or cash)", field="basis") from exc
    scope = resolve_scope(community_slugs)
    core = _compute_core(period, scope, basis)
    earlier_period = period.year_earlier()
    earlier = _compute_core(earlier_period, scope, basis)

    paid_by = _payments_of([d.id for d in core.treks.reported], period.end)
    scoped_obligations = [o for o in core.obligations if scope.includes(o.community_id)]
    rows = _community_rows(core, scope, scoped_obligations, paid_by)
    porters, missing_uit = _porters(core, paid_by)
    this_year = _monthly(period, core, scope)
    year_before = _monthly(earlier_period, earlier, scope)
    trend = tuple(
        MonthFigures(month=m.month, departures=m.departures, travellers=m.travellers,
                     guest_nights=m.guest_nights, paid_total=m.paid_total,
                     paid_year_earlier=prior.paid_total)
        for m, prior in zip(this_year.values(), year_before.values(), strict=True)
    )

    warnings = []
    if core.treks.unposted:
        warnings.append(ReportWarning("unposted_departures", tuple(d.code for d in core.treks.unposted)))
    if core.missing_rates:
        warnings.append(ReportWarning("missing_exchange_rate", tuple(core.missing_rates)))
    if missing_uit:
        warnings.append(ReportWarning("missing_uit", tuple(missing_uit)))
    still_open = open_months(period)
    if still_open:
        warnings.append(ReportWarning("open_period", tuple(still_open)))

    return ImpactFigures(
        period_from=period.start, period_to=period.end, basis=basis.value, scope=scope.names,
        scope_slugs=scope.slugs,
        headline=core.headline, communities=rows, fairness=_fairness(core, period, rows),
        women=_women(core), porters=porters, trend=trend,
        previous=Comparison(
            period_from=earlier_period.start, period_to=earlier_period.end,
            departures=earlier.headline.departures, travellers=earlier.headline.travellers,
            guest_nights=earlier.headline.guest_nights, paid_total=earlier.headline.income.total,
            community_share=earlier.headline.community_share,
        ),
        methodology=Methodology(
            basis=basis.value, as_of=period.end,
            exchange_rate_min=min(core.rates_used, default=None),
            exchange_rate_max=max(core.rates_used, default=None),
            exchange_rate_days=len(set(core.rates_used)),
            departures_excluded=len(core.treks.unposted),
        ),
        warnings=tuple(warnings),
    )
