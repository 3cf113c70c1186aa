"""A period's totals: its treks, travellers, guest-nights, income by category and month, and
how much of the trip price stayed in the valley.

The report's headline and its comparison with the same dates a year earlier are both these
totals, summed by the database (whole céntimos), so a year of thousands of obligations costs a
handful of grouped rows and the same queries whatever the data holds.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import String, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.impact.figures import ZERO, CategoryIncome
from app.impact.measures import ratio
from app.impact.models import Basis
from app.impact.periods import Period
from app.impact.selection import CATEGORY_OF_SERVICE, Scope, ending_in, income_lines, touching
from app.ledger.models import ExchangeRate
from app.ledger.rates import EXCHANGE_RATE_VALID_DAYS
from app.money import round_money
from app.operations.models import Departure, HomestayAllocation, Traveller
from app.registries.models import HomestayFamily


@dataclass(frozen=True, slots=True)
class Trek:
    """A completed departure as a report counts it (a plain row: a year is hundreds of them)."""

    id: int
    code: str
    start_date: date
    end_date: date
    route_id: int
    price_per_traveller_usd: Decimal
    travellers: int  # booked: every one of them paid
    walkers: int  # those who walked
    guest_nights: int  # in homestays of the scope


@dataclass
class Treks:
    """The departures a period reports on (posted), and those left out (not yet posted)."""

    reported: list[Trek] = field(default_factory=list)
    unposted: list[Trek] = field(default_factory=list)

    def reported_ids(self) -> list[int]:
        """The ids of the departures reported on (to select their rows by)."""
        return [trek.id for trek in self.reported]


def load_treks(period: Period, scope: Scope) -> Treks:
    """Completed departures ending in the period and touching the scope, posted or not, by
    their last day: one query, travellers and guest-nights counted by the database."""
    travellers = select(func.count(Traveller.id)).where(Traveller.departure_id == Departure.id)
    guest_nights = (
        select(func.coalesce(func.sum(HomestayAllocation.guests_actual), 0))
        .join(HomestayFamily, HomestayFamily.id == HomestayAllocation.family_id)
        .where(HomestayAllocation.departure_id == Departure.id, scope.covers(HomestayFamily.community_id))
    )
    rows = db.session.execute(
        select(Departure.id, Departure.code, Departure.start_date, Departure.end_date, Departure.route_id,
               Departure.price_per_traveller_usd, travellers.scalar_subquery(),
               travellers.where(Traveller.walked.is_(True)).scalar_subquery(),
               guest_nights.scalar_subquery(), Departure.posted_at.is_not(None))
        .where(*ending_in(period), touching(scope))
        .order_by(Departure.end_date, Departure.code)
    ).all()
    treks = Treks()
    for *columns, posted in rows:
        (treks.reported if posted else treks.unposted).append(Trek(*columns))
    return treks


class RateBook:
    """USD→PEN rates: the latest dated on or before a day, if recent enough (as the ledger rules)."""

    def __init__(self, since: date, until: date) -> None:
        """The rates that can be in force from `since` to `until` (one query)."""
        rows = db.session.execute(
            select(ExchangeRate.rate_date, ExchangeRate.usd_to_pen)
            .where(ExchangeRate.rate_date > since - timedelta(days=EXCHANGE_RATE_VALID_DAYS),
                   ExchangeRate.rate_date <= until)
            .order_by(ExchangeRate.rate_date)
        ).all()
        self.days = [row[0] for row in rows]
        self.rates = [row[1] for row in rows]

    def on(self, day: date) -> Decimal | None:
        """The rate in force on `day`, or None."""
        index = bisect.bisect_right(self.days, day) - 1
        if index < 0 or self.days[index] <= day - timedelta(days=EXCHANGE_RATE_VALID_DAYS):
            return None
        return self.rates[index]


@dataclass(frozen=True)
class PeriodTotals:
    """What a period adds up to (its headline's totals, or the comparison's)."""

    departures: int
    travellers: int  # who walked
    guest_nights: int
    income: CategoryIncome
    paid_by_month: dict[date, Decimal]  # income by the first day of its month
    trip_price_usd: Decimal
    trip_price_pen: Decimal
    community_share: Decimal | None  # income.to_members / trip_price_pen; None if a rate is missing
    rates_used: list[Decimal]
    missing_rates: list[str]  # codes of departures with no exchange rate on their first day


class month_of(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """SQL: the `YYYY-MM` of a date. SQLite keeps dates as ISO text, so its first seven
    characters (far cheaper there than strftime over a year of rows); PostgreSQL formats it."""

    type = String()
    inherit_cache = True


@compiles(month_of)
def _month_of(element, compiler, **kw) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


def income_by_month(basis: Basis, period: Period, scope: Scope, trek_ids: list[int]
                    ) -> tuple[CategoryIncome, dict[date, Decimal]]:
    """The period's income in scope by category, and by month (one grouped query)."""
    lines = income_lines(basis, period, scope, trek_ids)
    month = month_of(lines.c.day)
    by_category: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for year_month, service, amount in db.session.execute(
            select(month, lines.c.service, func.sum(lines.c.amount)).group_by(month, lines.c.service)):
        by_category[CATEGORY_OF_SERVICE[service]] += amount
        by_month[date(int(year_month[:4]), int(year_month[5:7]), 1)] += amount
    return CategoryIncome(**by_category), by_month


def period_totals(period: Period, scope: Scope, basis: Basis, treks: Treks) -> PeriodTotals:
    """The totals of the period's reported treks (`load_treks`) and of its income on `basis`."""
    departures = treks.reported
    income, by_month = income_by_month(basis, period, scope, treks.reported_ids())
    rates = RateBook(min((d.start_date for d in departures), default=period.end),
                     max((d.start_date for d in departures), default=period.end))
    price_usd, price_pen, rates_used, missing = ZERO, ZERO, [], []
    for departure in departures:
        usd = departure.price_per_traveller_usd * departure.travellers
        rate = rates.on(departure.start_date)
        price_usd += usd
        if rate is None:
            missing.append(departure.code)
        else:
            rates_used.append(rate)
            price_pen += round_money(usd * rate)
    return PeriodTotals(
        departures=len(departures),
        travellers=sum(d.walkers for d in departures),
        guest_nights=sum(d.guest_nights for d in departures),
        income=income, paid_by_month=by_month,
        trip_price_usd=price_usd, trip_price_pen=price_pen,
        community_share=None if missing else ratio(income.to_members, price_pen),
        rates_used=rates_used, missing_rates=missing,
    )
