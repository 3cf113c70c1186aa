"""A period's totals: its treks, travellers, guest-nights, income (in all and by month), and
how much of the trip price stayed in the valley.

The report's headline and its comparison with the same dates a year earlier are both these
totals, summed by the database in whole céntimos: a year of hundreds of treks and thousands of
obligations is one query and a dozen rows, whatever the data holds. `load_treks` reads the
period's own treks one by one, for the figures that need them (trend, communities, warnings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, distinct, func, select, true, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.impact.figures import ZERO
from app.impact.measures import ratio
from app.impact.models import Basis
from app.impact.periods import Period
from app.impact.selection import (
    FEE_SERVICES,
    Scope,
    ending_in,
    income_lines,
    reported,
    touching,
)
from app.ledger.models import ExchangeRate
from app.ledger.rates import EXCHANGE_RATE_VALID_DAYS
from app.money import from_centimos
from app.operations.models import Departure, HomestayAllocation, Traveller
from app.registries.models import HomestayFamily

# --- SQL pieces ----------------------------------------------------------------------------------


class month_start(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """SQL: the first day of a date's month, to group by (each engine's cheapest way)."""

    type = Date()
    inherit_cache = True


@compiles(month_start)
def _month_start(element, compiler, **kw) -> str:
    return f"CAST(date_trunc('month', CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP)) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class rate_window_start(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """SQL: EXCHANGE_RATE_VALID_DAYS days before a date: a rate dated on or before that day is
    no longer in force."""

    inherit_cache = True


@compiles(rate_window_start)
def _rate_window_start(element, compiler, **kw) -> str:
    return f"({compiler.process(element.clauses, **kw)} - {int(EXCHANGE_RATE_VALID_DAYS)})"


@compiles(rate_window_start, "sqlite")
def _rate_window_start_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '-{int(EXCHANGE_RATE_VALID_DAYS)} days')"


def _travellers():
    """Per departure: travellers booked (every one of them paid)."""
    return select(func.count(Traveller.id)).where(Traveller.departure_id == Departure.id).scalar_subquery()


def _walkers():
    """Per departure: travellers who walked."""
    return (select(func.count(Traveller.id))
            .where(Traveller.departure_id == Departure.id, Traveller.walked.is_(True)).scalar_subquery())


def _guest_nights(scope: Scope):
    """Per departure: guests families of the scope actually hosted, night by night (every
    family belongs to a community, so with no scope there is no family to look up)."""
    nights = (select(func.coalesce(func.sum(HomestayAllocation.guests_actual), 0))
              .where(HomestayAllocation.departure_id == Departure.id))
    if scope.ids is not None:
        nights = (nights.join(HomestayFamily, HomestayFamily.id == HomestayAllocation.family_id)
                  .where(scope.covers(HomestayFamily.community_id)))
    return nights.scalar_subquery()


def _rate_on_first_day():
    """Per departure: the USD→PEN rate in force on its first day (the latest dated on or before
    it, if recent enough, as the ledger rules), or NULL."""
    return (select(ExchangeRate.usd_to_pen)
            .where(ExchangeRate.rate_date <= Departure.start_date,
                   ExchangeRate.rate_date > rate_window_start(Departure.start_date))
            .order_by(ExchangeRate.rate_date.desc()).limit(1).scalar_subquery())


# --- The period's treks, one by one --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trek:
    """A completed departure as the figures see it (a plain row)."""

    id: int
    code: str
    end_date: date
    route_id: int
    walkers: int  # travellers who walked
    guest_nights: int  # in homestays of the scope
    has_rate: bool  # a USD→PEN rate was in force on its first day


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
    their last day (one query)."""
    rows = db.session.execute(
        select(Departure.id, Departure.code, Departure.end_date, Departure.route_id, _walkers(),
               _guest_nights(scope), _rate_on_first_day().is_not(None), Departure.posted_at.is_not(None))
        .where(*ending_in(period), touching(scope))
        .order_by(Departure.end_date, Departure.code)
    ).all()
    treks = Treks()
    for *columns, posted in rows:
        (treks.reported if posted else treks.unposted).append(Trek(*columns))
    return treks


# --- Totals ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodTotals:
    """What a period adds up to (its headline's totals, or the comparison's)."""

    departures: int
    travellers: int  # who walked
    guest_nights: int
    paid_total: Decimal  # income in scope (what CategoryIncome.total sums)
    paid_by_month: dict[date, Decimal]  # income by the first day of its month
    trip_price_usd: Decimal
    trip_price_pen: Decimal  # of the departures with a rate, each rounded to the céntimo
    community_share: Decimal | None  # income less fees / trip_price_pen; None if a rate is missing
    exchange_rate_min: Decimal | None
    exchange_rate_max: Decimal | None
    exchange_rates: int  # how many different rates were used


def period_totals(period: Period, scope: Scope, basis: Basis, trek_ids: list[int] | None = None) -> PeriodTotals:
    """The totals of the period's reported treks and of its income on `basis`, in one query.
    `trek_ids` are those treks when already loaded (`load_treks`); else the database finds them.

    The treks are read once into a materialized CTE (their counts and rate, each computed
    once: flattened into the sums, they would be run again for every sum that reads them;
    SQLite 3.35+ and PostgreSQL 12+ know MATERIALIZED). The income is grouped by month alone.
    One row per month of income (or one row if none), each carrying the treks' sums.

    The trip price in soles is each departure's price x travellers at the rate in force on its
    first day, rounded half up to the céntimo: in whole céntimos and ten-thousandths of a sol,
    (usd_cents x rate + 5000) // 10000, exact, as prices and rates are never negative.
    """
    treks = (
        select(Departure.id, type_coerce(Departure.price_per_traveller_usd, BigInteger).label("price"),
               _travellers().label("travellers"), _walkers().label("walkers"),
               _guest_nights(scope).label("guest_nights"), _rate_on_first_day().label("rate"))
        .where(*(reported(period, scope) if trek_ids is None else (Departure.id.in_(trek_ids),)))
        .cte("treks").prefix_with("MATERIALIZED"))
    usd_cents = treks.c.price * treks.c.travellers
    pen_cents = (usd_cents * type_coerce(treks.c.rate, BigInteger) + 5000) // 10000
    sums = select(
        func.count().label("departures"), func.sum(treks.c.walkers).label("walkers"),
        func.sum(treks.c.guest_nights).label("guest_nights"), func.sum(usd_cents).label("usd"),
        func.sum(pen_cents).label("pen"), (func.count() - func.count(treks.c.rate)).label("missing"),
        func.min(treks.c.rate).label("rate_min"), func.max(treks.c.rate).label("rate_max"),
        func.count(distinct(treks.c.rate)).label("rates"),
    ).subquery("sums")
    lines = income_lines(basis, period, scope, select(treks.c.id))
    month = month_start(lines.c.day)
    months = (select(month.label("month"), func.sum(lines.c.amount).label("total"),
                     func.sum(lines.c.amount).filter(lines.c.service.in_(FEE_SERVICES)).label("fees"))
              .group_by(month).subquery("months"))
    rows = db.session.execute(
        select(sums, months.c.month, months.c.total, months.c.fees).outerjoin(months, true())).all()

    first = rows[0]
    paid_by_month = {row.month: row.total for row in rows if row.month is not None}
    paid = sum(paid_by_month.values(), ZERO)
    to_members = paid - sum((row.fees for row in rows if row.fees is not None), ZERO)
    price_pen = from_centimos(first.pen or 0)
    return PeriodTotals(
        departures=first.departures, travellers=int(first.walkers or 0),
        guest_nights=int(first.guest_nights or 0), paid_total=paid, paid_by_month=paid_by_month,
        trip_price_usd=from_centimos(first.usd or 0), trip_price_pen=price_pen,
        community_share=None if first.missing else ratio(to_members, price_pen),
        exchange_rate_min=first.rate_min, exchange_rate_max=first.rate_max, exchange_rates=first.rates,
    )
