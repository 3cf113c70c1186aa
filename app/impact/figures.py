"""The figures of an impact report: plain, frozen dataclasses, and their canonical JSON.

Computing (`compute.py`) fills them from the database; rendering (`render.py`) turns them into
HTML and PDF and never sees the database. An issued report stores `canonical_json(figures)` and
prints its SHA-256: the same period computed again gives byte-identical JSON.

Money is PEN (`Decimal`, two places) unless a name says `_usd`; ratios are Decimals to four
places (0.2345 means 23.45 %); counts are ints. Nothing here carries a person's name: families
appear only as anonymous rows of a distribution.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")
FIGURES_VERSION = 1


@dataclass(frozen=True)
class CategoryIncome:
    """Income by what was paid for: homestays, weaving, trail staff, community fees."""

    homestay: Decimal = ZERO
    weaving: Decimal = ZERO
    trail_staff: Decimal = ZERO  # porterage, arrieros and their mules, cooks, local guides
    fees: Decimal = ZERO  # visitor fees and hot springs, paid to the community itself

    @property
    def total(self) -> Decimal:
        """Everything paid to the community and its members."""
        return self.homestay + self.weaving + self.trail_staff + self.fees

    @property
    def to_members(self) -> Decimal:
        """What reached households, associations and staff (fees go to the community fund)."""
        return self.homestay + self.weaving + self.trail_staff


@dataclass(frozen=True)
class Headline:
    """The first page: how much happened and how much of the trip price stayed in the valley."""

    departures: int = 0
    travellers: int = 0
    guest_nights: int = 0
    families_hosted: int = 0
    associations_paid: int = 0
    weavers: int = 0  # members of the associations paid
    workshop_participants: int = 0
    staff_employed: int = 0
    staff_person_days: int = 0
    income: CategoryIncome = field(default_factory=CategoryIncome)
    trip_price_usd: Decimal = ZERO
    trip_price_pen: Decimal = ZERO
    community_share: Decimal | None = None  # income.to_members / trip_price_pen


@dataclass(frozen=True)
class CommunityFigures:
    """One community's year (or month...): visitors, nights, families and income."""

    slug: str
    name: str
    travellers: int = 0
    guest_nights: int = 0
    families_hosted: int = 0
    income: CategoryIncome = field(default_factory=CategoryIncome)
    paid: Decimal = ZERO  # of the obligations for the period's treks, paid by its last day
    outstanding: Decimal = ZERO


@dataclass(frozen=True)
class FamilyShare:
    """One family's guest-nights and homestay income (anonymous: a row of a distribution)."""

    guest_nights: int
    income: Decimal


@dataclass(frozen=True)
class Fairness:
    """How evenly homestay income spread over a community's registered families."""

    slug: str
    name: str
    families: int = 0  # on the roster during the period, hosting or not
    families_hosted: int = 0
    distribution: tuple[FamilyShare, ...] = ()  # most income first
    nights_per_family: Decimal = ZERO
    income_per_family: Decimal = ZERO
    nights_most: int = 0
    nights_least: int = 0
    income_most: Decimal = ZERO
    income_least: Decimal = ZERO
    gini_income: Decimal | None = None
    gini_nights: Decimal | None = None


@dataclass(frozen=True)
class WomenIncome:
    """The share of household income paid to women: hosts, and weavers (by membership)."""

    hosts_total: Decimal = ZERO
    women_hosts: Decimal = ZERO
    weaving_total: Decimal = ZERO
    women_weavers: Decimal = ZERO  # association income x women members / members
    hosts_share: Decimal | None = None
    weavers_share: Decimal | None = None
    share: Decimal | None = None  # (women hosts + women weavers) / (hosts + weaving)


@dataclass(frozen=True)
class WageFloor:
    """The legal minimum daily wage of a porter in one year: 3 % of that year's UIT."""

    year: int
    uit: Decimal | None
    floor: Decimal | None


@dataclass(frozen=True)
class PorterWelfare:
    """Porter welfare against the law (wage floor) and KPAP's criteria (load, pay within 2 days)."""

    porters: int = 0
    person_days: int = 0
    lowest_wage: Decimal | None = None
    average_wage: Decimal | None = None  # weighted by days worked
    floors: tuple[WageFloor, ...] = ()
    days_below_floor: int = 0
    load_limits_kg: tuple[Decimal, ...] = ()
    days_weighed: int = 0
    days_within_load: int = 0
    within_load_share: Decimal | None = None
    median_days_to_payment: Decimal | None = None
    paid_within_two_days_share: Decimal | None = None
    assignments_paid: int = 0
    assignments_unpaid: int = 0  # not fully paid by the period's last day


@dataclass(frozen=True)
class MonthFigures:
    """One month of the trend."""

    month: date  # first day of the month
    departures: int = 0
    travellers: int = 0
    guest_nights: int = 0
    paid_total: Decimal = ZERO
    paid_year_earlier: Decimal = ZERO  # the same month one year before


@dataclass(frozen=True)
class Comparison:
    """The same figures for the same dates one year earlier."""

    period_from: date
    period_to: date
    departures: int = 0
    travellers: int = 0
    guest_nights: int = 0
    paid_total: Decimal = ZERO
    community_share: Decimal | None = None


@dataclass(frozen=True)
class ReportWarning:
    """Something a reader must know: data left out or missing (codes the templates translate)."""

    code: str  # unposted_departures | missing_exchange_rate | missing_uit | open_period
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Methodology:
    """The facts the methodology section states: basis, cut-off date, exchange rates used."""

    basis: str  # accrual | cash
    as_of: date
    exchange_rate_min: Decimal | None = None
    exchange_rate_max: Decimal | None = None
    exchange_rate_days: int = 0
    departures_excluded: int = 0  # completed but not posted to the ledger


@dataclass(frozen=True)
class ImpactFigures:
    """Everything one report shows, for one period, scope and basis."""

    period_from: date
    period_to: date
    basis: str
    scope: tuple[str, ...]  # community names; empty means every community
    scope_slugs: tuple[str, ...]
    headline: Headline
    communities: tuple[CommunityFigures, ...]
    fairness: tuple[Fairness, ...]
    women: WomenIncome
    porters: PorterWelfare
    trend: tuple[MonthFigures, ...]
    previous: Comparison
    methodology: Methodology
    warnings: tuple[ReportWarning, ...] = ()
    version: int = FIGURES_VERSION

    @property
    def is_empty(self) -> bool:
        """True when no trek was reported in the period (the report says so plainly)."""
        return self.headline.departures == 0


# --- Canonical JSON ------------------------------------------------------------------------


def to_data(value: Any) -> Any:
    """Figures as JSON-safe data: Decimals and dates as strings, tuples as lists."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [to_data(item) for item in value]
    return value


def canonical_json(figures: ImpactFigures) -> str:
    """The one serialisation the hash covers: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(to_data(figures), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def figures_sha256(figures: ImpactFigures) -> str:
    """SHA-256 (hex) of the canonical JSON: printed in an issued report's footer."""
    return hashlib.sha256(canonical_json(figures).encode("utf-8")).hexdigest()


def from_json(text: str) -> ImpactFigures:
    """Rebuild the figures an issued report stored."""
    return _from_data(ImpactFigures, json.loads(text))


def _from_data(kind: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _from_data(inner[0], data)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return tuple(_from_data(item_kind, item) for item in data)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{f.name: _from_data(hints[f.name], data[f.name])
                       for f in dataclasses.fields(kind) if f.name in data})
    if kind is Decimal:
        return Decimal(data)
    if kind is date:
        return date.fromisoformat(data)
    return data
