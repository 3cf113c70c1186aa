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

The totals (`totals.py`) give the headline's sums and the comparison with the year before;
this module adds the detail: per community, fairness, women, porters and the monthly trend. The
database sums and groups (rules in `selection.py`); the queries are the same whatever the period
holds, empty or ten years on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Row, distinct, func, select, text, union

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
from app.impact.selection import (
    CATEGORY_OF_SERVICE,
    ImpactError,
    Scope,
    counted_on,
    income_lines,
    live_on,
    resolve_scope,
)
from app.impact.totals import PeriodTotals, Trek, load_treks, month_start, period_totals
from app.ledger.models import AccountingPeriod, Obligation, ServiceKind
from app.money import round_money
from app.operations.models import (
    Departure,
    HomestayAllocation,
    LoadLimit,
    RouteDay,
    RouteDayActivity,
    StaffAssignment,
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

DEFAULT_LOAD_LIMIT_KG = Decimal("20.0")
WAGE_FLOOR_SHARE_OF_UIT = Decimal("0.03")
KPAP_DAYS_TO_PAY = 2


def make_period(start: date, end: date) -> Period:
    """The period from `start` to `end`, refusing reversed dates with a clear message."""
    if start > end:
        raise ImpactError(
            f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})",
            field="end",
        )
    return Period(start, end)


# --- What the treks did --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hosting:
    """Guests a family actually hosted on one night of a reported trek."""

    departure_id: int
    family_id: int
    community_id: int
    guests: int


def _hostings(reported: list[int]) -> list[Hosting]:
    """Every night a family of any community hosted guests on the reported treks."""
    return [Hosting(*row) for row in db.session.execute(
        select(HomestayAllocation.departure_id, HomestayAllocation.family_id, HomestayFamily.community_id,
               HomestayAllocation.guests_actual)
        .join(HomestayFamily, HomestayFamily.id == HomestayAllocation.family_id)
        .where(HomestayAllocation.departure_id.in_(reported), HomestayAllocation.guests_actual != 0))]


def _route_communities() -> dict[int, set[int]]:
    """Per route, the communities its nights (homestay or camp) and day visits (hot springs,
    workshops) take a group to."""
    visits = union(
        select(RouteDay.route_id, RouteDay.night_community_id.label("community_id"))
        .where(RouteDay.night_community_id.is_not(None)),
        select(RouteDay.route_id, RouteDayActivity.community_id)
        .join(RouteDay, RouteDay.id == RouteDayActivity.route_day_id)
        .where(RouteDayActivity.community_id.is_not(None)),
    )
    communities: dict[int, set[int]] = defaultdict(set)
    for route_id, community_id in db.session.execute(visits):
        communities[route_id].add(community_id)
    return communities


def _communities_visited(treks: list[Trek], hostings: list[Hosting]) -> dict[int, set[int]]:
    """Per trek, where the group went: its route's communities and those of the families that
    hosted it."""
    routes = _route_communities()
    visited = {trek.id: set(routes.get(trek.route_id, ())) for trek in treks}
    for hosting in hostings:
        visited[hosting.departure_id].add(hosting.community_id)
    return visited


def _income_by_payee(basis: Basis, period: Period, scope: Scope, reported: list[int]) -> list[Row]:
    """The period's income in scope summed per payee, community and service (one grouped
    query): payee_kind, payee_id, community_id, service, amount."""
    lines = income_lines(basis, period, scope, reported)
    keys = (lines.c.payee_kind, lines.c.payee_id, lines.c.community_id, lines.c.service)
    return db.session.execute(
        select(*keys, func.sum(lines.c.amount).label("amount")).group_by(*keys)
    ).all()


def _categories(lines: Iterable[Row]) -> CategoryIncome:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        sums[CATEGORY_OF_SERVICE[line.service]] += line.amount
    return CategoryIncome(**sums)


# --- The figures -------------------------------------------------------------------------------


def _headline(totals: PeriodTotals, scope: Scope, reported: list[int], hostings: list[Hosting],
              payees: list[Row]) -> Headline:
    """The first page: the totals, and who took part (families, weavers, community staff)."""
    # Every line is positive (CHECK constraints), so a payee's sum is positive iff it was paid.
    associations_paid = {p.payee_id for p in payees if p.payee_kind == PayeeKind.ASSOCIATION and p.amount > 0}
    weavers = db.session.scalar(
        select(func.coalesce(func.sum(WeavingAssociation.members), 0))
        .where(WeavingAssociation.id.in_(associations_paid)))
    participants = (
        select(func.coalesce(func.sum(WorkshopBooking.actual_participants), 0))
        .join(WeavingAssociation, WeavingAssociation.id == WorkshopBooking.association_id)
        .where(WorkshopBooking.departure_id.in_(reported), scope.covers(WeavingAssociation.community_id)))
    local_staff = (
        select(StaffAssignment.staff_member_id, StaffAssignment.actual_days)
        .join(StaffMember, StaffMember.id == StaffAssignment.staff_member_id)
        .where(StaffAssignment.departure_id.in_(reported), StaffAssignment.actual_days != 0,
               scope.covers(StaffMember.community_id))
        .subquery())
    employed, person_days = db.session.execute(
        select(func.count(distinct(local_staff.c.staff_member_id)),
               func.coalesce(func.sum(local_staff.c.actual_days), 0))
    ).one()
    return Headline(
        departures=totals.departures,
        travellers=totals.travellers,
        guest_nights=totals.guest_nights,
        families_hosted=len({h.family_id for h in hostings if scope.includes(h.community_id)}),
        associations_paid=len(associations_paid),
        weavers=weavers,
        workshop_participants=db.session.scalar(participants),
        staff_employed=employed,
        staff_person_days=person_days,
        income=_categories(payees),
        trip_price_usd=totals.trip_price_usd,
        trip_price_pen=totals.trip_price_pen,
        community_share=totals.community_share,
    )


def _owed_and_paid(period: Period, scope: Scope, reported: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Per community in scope: what the ledger recorded for the period's treks (less voids by its
    last day), and how much of that was paid by then (each obligation's payments looked up by
    its id, one query)."""
    paid = (select(func.sum(PaymentAllocation.amount))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(PaymentAllocation.obligation_id == Obligation.id, *counted_on(period.end))
            .scalar_subquery())
    return {community_id: (owed, paid or ZERO) for community_id, owed, paid in db.session.execute(
        select(Obligation.community_id, func.sum(Obligation.amount), func.sum(paid))
        .where(Obligation.departure_id.in_(reported), live_on(period.end), scope.covers(Obligation.community_id))
        .group_by(Obligation.community_id))}


def _community_rows(period: Period, scope: Scope, treks: list[Trek], visited: dict[int, set[int]],
                    hostings: list[Hosting], payees: list[Row]) -> tuple[CommunityFigures, ...]:
    """Per community in scope with any activity (or named in the scope): the table's rows."""
    travellers: dict[int, int] = defaultdict(int)
    nights: dict[int, int] = defaultdict(int)
    families: dict[int, set[int]] = defaultdict(set)
    for trek in treks:
        for community_id in visited[trek.id]:
            travellers[community_id] += trek.walkers
    for hosting in hostings:
        nights[hosting.community_id] += hosting.guests
        families[hosting.community_id].add(hosting.family_id)
    income_by: dict[int, list[Row]] = defaultdict(list)
    for payee in payees:
        income_by[payee.community_id].append(payee)
    owed_and_paid = _owed_and_paid(period, scope, [trek.id for trek in treks])

    ids = {i for i in (*travellers, *nights, *income_by, *owed_and_paid) if scope.includes(i)}
    if scope.ids is not None:
        ids |= scope.ids
    rows = []
    for c in db.session.execute(select(Community.id, Community.slug, Community.name)
                                .where(Community.id.in_(ids)).order_by(Community.name)):
        owed, paid = owed_and_paid.get(c.id, (ZERO, ZERO))
        rows.append(CommunityFigures(
            slug=c.slug, name=c.name, travellers=travellers[c.id], guest_nights=nights[c.id],
            families_hosted=len(families[c.id]), income=_categories(income_by[c.id]),
            paid=paid, outstanding=owed - paid,
        ))
    return tuple(rows)


def _fairness(period: Period, rows: tuple[CommunityFigures, ...], hostings: list[Hosting],
              payees: list[Row]) -> tuple[Fairness, ...]:
    """Per community with homestays: the spread of guest-nights and income over its families."""
    nights: dict[int, int] = defaultdict(int)
    for hosting in hostings:
        nights[hosting.family_id] += hosting.guests
    income: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for payee in payees:
        if payee.payee_kind == PayeeKind.FAMILY and payee.service == ServiceKind.HOMESTAY_NIGHT:
            income[payee.payee_id] += payee.amount
    roster_end = period.end + timedelta(days=1)
    families = db.session.execute(
        select(HomestayFamily.id, HomestayFamily.created_at, HomestayFamily.archived_at,
               Community.slug, Community.name)
        .join(Community, Community.id == HomestayFamily.community_id)
        .where(Community.slug.in_({row.slug for row in rows}))
        .order_by(Community.name, HomestayFamily.id)
    ).all()
    by_community: dict[tuple[str, str], list[int]] = defaultdict(list)
    for family_id, created_at, archived_at, slug, name in families:
        on_roster = (to_lima(created_at).date() < roster_end
                     and (archived_at is None or to_lima(archived_at).date() >= period.start))
        if on_roster or nights[family_id] or income[family_id]:
            by_community[(name, slug)].append(family_id)
    result = []
    for (name, slug), members in by_community.items():
        if not any(nights[f] or income[f] for f in members):
            continue
        shares = sorted((FamilyShare(nights[f], income[f]) for f in members),
                        key=lambda s: (s.income, s.guest_nights), reverse=True)
        count = len(shares)
        result.append(Fairness(
            slug=slug, name=name, families=count,
            families_hosted=sum(1 for s in shares if s.guest_nights),
            distribution=tuple(shares),
            nights_per_family=(Decimal(sum(s.guest_nights for s in shares)) / count).quantize(Decimal("0.1")),
            income_per_family=round_money(sum((s.income for s in shares), ZERO) / count),
            nights_most=max(s.guest_nights for s in shares), nights_least=min(s.guest_nights for s in shares),
            income_most=max(s.income for s in shares), income_least=min(s.income for s in shares),
            gini_income=gini(s.income for s in shares), gini_nights=gini(s.guest_nights for s in shares),
        ))
    return tuple(result)


def _women(payees: list[Row]) -> WomenIncome:
    host_income: dict[int, Decimal] = defaultdict(lambda: ZERO)
    weaving_income: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for payee in payees:
        if payee.service == ServiceKind.HOMESTAY_NIGHT:
            host_income[payee.payee_id] += payee.amount
        elif payee.service == ServiceKind.WORKSHOP_PARTICIPANT:
            weaving_income[payee.payee_id] += payee.amount
    women_hosts_ids = set(db.session.scalars(
        select(HomestayFamily.id).where(HomestayFamily.id.in_(host_income),
                                        HomestayFamily.host_gender == Gender.FEMALE)))
    associations = {row.id: row for row in db.session.execute(
        select(WeavingAssociation.id, WeavingAssociation.members, WeavingAssociation.women_members)
        .where(WeavingAssociation.id.in_(weaving_income)))}
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


def _porters(period: Period, reported: list[int]) -> tuple[PorterWelfare, list[str]]:
    """Porters' wages (the treks' porter days not voided by the period's last day, whatever
    their community) against the year's floor, their loads, and how soon they were paid in full
    (payments that counted by the period's last day; the database keeps the running total)."""
    wage = (Obligation.departure_id.in_(reported), live_on(period.end),
            Obligation.service == ServiceKind.PORTER_DAY)
    month = month_start(Departure.end_date)
    by_rate = db.session.execute(
        select(month, Obligation.unit_rate, func.sum(Obligation.quantity), func.sum(Obligation.amount))
        .join(Departure, Departure.id == Obligation.departure_id)
        .where(*wage).group_by(month, Obligation.unit_rate)).all()
    running = (
        select(PaymentAllocation.obligation_id, Payment.payment_date, Obligation.amount.label("owed"),
               func.sum(PaymentAllocation.amount).over(
                   partition_by=PaymentAllocation.obligation_id, order_by=(Payment.payment_date, Payment.id),
                   rows=(None, 0)).label("running"))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Obligation, Obligation.id == PaymentAllocation.obligation_id)
        .where(*wage, *counted_on(period.end))
        .subquery())
    paid_in_full = (select(running.c.obligation_id, func.min(running.c.payment_date).label("day"))
                    .where(running.c.running >= running.c.owed).group_by(running.c.obligation_id).subquery())
    delays: list[int] = []
    unpaid = 0
    for trek_end, paid_on, count in db.session.execute(
            select(Obligation.trek_end_date, paid_in_full.c.day, func.count())
            .outerjoin(paid_in_full, paid_in_full.c.obligation_id == Obligation.id)
            .where(*wage).group_by(Obligation.trek_end_date, paid_in_full.c.day)):
        if paid_on is None:
            unpaid += count
        else:
            delays += [(paid_on - trek_end).days] * count

    years = sorted({month.year for month, *_ in by_rate})
    uit = dict(db.session.execute(select(UitValue.year, UitValue.amount).where(UitValue.year.in_(years))).all())
    floors = {year: round_money(uit[year] * WAGE_FLOOR_SHARE_OF_UIT) if year in uit else None for year in years}
    missing_uit = [str(year) for year, floor in floors.items() if floor is None]

    limits = db.session.execute(select(LoadLimit.effective_from, LoadLimit.limit_kg)
                                .order_by(LoadLimit.effective_from)).all()

    def limit_on(day: date) -> Decimal:
        applicable = [kg for since, kg in limits if since <= day]
        return applicable[-1] if applicable else DEFAULT_LOAD_LIMIT_KG

    def below_floor(month: date, rate: Decimal) -> bool:
        floor = floors[month.year]
        return floor is not None and rate < floor

    porter_days = (StaffAssignment.departure_id.in_(reported), StaffAssignment.role == StaffRole.PORTER,
                   StaffAssignment.actual_days != 0)
    porters = db.session.scalar(select(func.count(distinct(StaffAssignment.staff_member_id))).where(*porter_days))
    weighed = [(days, load, limit_on(start)) for start, load, days in db.session.execute(
        select(Departure.start_date, StaffAssignment.load_kg, func.sum(StaffAssignment.actual_days))
        .join(Departure, Departure.id == StaffAssignment.departure_id)
        .where(*porter_days, StaffAssignment.load_kg.is_not(None))
        .group_by(Departure.start_date, StaffAssignment.load_kg))]
    days_weighed = sum(days for days, _, _ in weighed)
    days_within = sum(days for days, load, kg in weighed if load <= kg)

    person_days = sum(days for _, _, days, _ in by_rate)
    welfare = PorterWelfare(
        porters=porters,
        person_days=person_days,
        lowest_wage=min((rate for _, rate, _, _ in by_rate), default=None),
        average_wage=round_money(sum((paid for *_, paid in by_rate), ZERO) / person_days) if person_days else None,
        floors=tuple(WageFloor(year, uit.get(year), floors[year]) for year in years),
        days_below_floor=sum(days for month, rate, days, _ in by_rate if below_floor(month, rate)),
        load_limits_kg=tuple(sorted({kg for _, _, kg in weighed})),
        days_weighed=days_weighed, days_within_load=days_within,
        within_load_share=ratio(days_within, days_weighed),
        median_days_to_payment=median(delays),
        paid_within_two_days_share=ratio(sum(1 for d in delays if d <= KPAP_DAYS_TO_PAY), len(delays)),
        assignments_paid=len(delays), assignments_unpaid=unpaid,
    )
    return welfare, missing_uit


def _trend(period: Period, treks: list[Trek], totals: PeriodTotals, earlier: PeriodTotals
           ) -> tuple[MonthFigures, ...]:
    """Departures, travellers and guest-nights by the month a trek ended; income by its day,
    beside the same month a year earlier."""
    months: dict[date, dict[str, int]] = {m: defaultdict(int) for m in period.months()}
    for trek in treks:
        month = months[trek.end_date.replace(day=1)]
        month["departures"] += 1
        month["travellers"] += trek.walkers
        month["guest_nights"] += trek.guest_nights
    earlier_months = period.year_earlier().months()
    return tuple(
        MonthFigures(month=m, departures=v["departures"], travellers=v["travellers"],
                     guest_nights=v["guest_nights"], paid_total=totals.paid_by_month.get(m, ZERO),
                     paid_year_earlier=earlier.paid_by_month.get(prior, ZERO))
        for (m, v), prior in zip(months.items(), earlier_months, strict=True)
    )


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


def _without_jit() -> None:
    """PostgreSQL: no JIT for the rest of this transaction. The figures are a few dozen grouped
    reads of a few thousand rows; a year's long id lists push some past the JIT cost threshold,
    and compiling them takes longer (some 30 ms each) than running them."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def compute_figures(start: date, end: date, basis: Basis | str = Basis.ACCRUAL,
                    community_slugs: Iterable[str] = ()) -> ImpactFigures:
    """Every figure of the report for these dates (both included), communities and basis."""
    period = make_period(start, end)
    try:
        basis = Basis(basis)
    except ValueError as exc:
        raise ImpactError(f"unknown basis: {basis!r} (accrual or cash)", field="basis") from exc
    scope = resolve_scope(community_slugs)
    _without_jit()
    treks = load_treks(period, scope)
    totals = period_totals(period, scope, basis, treks.reported_ids())
    earlier_period = period.year_earlier()
    earlier = period_totals(earlier_period, scope, basis)

    reported = treks.reported_ids()
    hostings = _hostings(reported)
    payees = _income_by_payee(basis, period, scope, reported)
    rows = _community_rows(period, scope, treks.reported, _communities_visited(treks.reported, hostings),
                           hostings, payees)
    porters, missing_uit = _porters(period, reported)

    warnings = []
    if treks.unposted:
        warnings.append(ReportWarning("unposted_departures", tuple(d.code for d in treks.unposted)))
    missing_rates = tuple(trek.code for trek in treks.reported if not trek.has_rate)
    if missing_rates:
        warnings.append(ReportWarning("missing_exchange_rate", missing_rates))
    if missing_uit:
        warnings.append(ReportWarning("missing_uit", tuple(missing_uit)))
    still_open = open_months(period)
    if still_open:
        warnings.append(ReportWarning("open_period", tuple(still_open)))

    return ImpactFigures(
        period_from=period.start, period_to=period.end, basis=basis.value, scope=scope.names,
        scope_slugs=scope.slugs,
        headline=_headline(totals, scope, reported, hostings, payees), communities=rows,
        fairness=_fairness(period, rows, hostings, payees), women=_women(payees), porters=porters,
        trend=_trend(period, treks.reported, totals, earlier),
        previous=Comparison(
            period_from=earlier_period.start, period_to=earlier_period.end,
            departures=earlier.departures, travellers=earlier.travellers,
            guest_nights=earlier.guest_nights, paid_total=earlier.paid_total,
            community_share=earlier.community_share,
        ),
        methodology=Methodology(
            basis=basis.value, as_of=period.end,
            exchange_rate_min=totals.exchange_rate_min, exchange_rate_max=totals.exchange_rate_max,
            exchange_rate_days=totals.exchange_rates,
            departures_excluded=len(treks.unposted),
        ),
        warnings=tuple(warnings),
    )
