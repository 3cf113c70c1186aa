"""Ledger fixtures: delivered services, quick postings, a rate card like the demo's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import pytest

from app.accounts.roles import Role
from app.clock import today_lima
from app.ledger.models import EntrySource, ServiceKind
from app.ledger.rates import add_rate
from app.ledger.services import LineSpec, payable_account, post_entry, system_account
from app.operations.models import Activity, DepartureStatus, NightKind
from app.registries.models import PayeeKind, StaffRole
from tests.operations.builders import OperationsBuilders


@dataclass(frozen=True)
class Delivered:
    """Stands in for operations' ServiceDelivered (same fields, CONTRACTS.md)."""

    service: ServiceKind
    payee_kind: PayeeKind
    payee_id: int
    community_id: int | None
    quantity: int
    service_date: date
    agreed_rate: Decimal | None = None


def last_month_day() -> date:
    """A day in the month before the current one (closable)."""
    return today_lima().replace(day=1) - timedelta(days=10)


DEMO_RATES = {
    ServiceKind.HOMESTAY_NIGHT: "60", ServiceKind.WORKSHOP_PARTICIPANT: "25",
    ServiceKind.VISITOR_FEE: "10", ServiceKind.HOT_SPRINGS: "15", ServiceKind.ARRIERO_DAY: "120",
    ServiceKind.MULE_DAY: "50", ServiceKind.COOK_DAY: "170", ServiceKind.PORTER_DAY: "161",
    ServiceKind.GUIDE_DAY: "200",
}


class LedgerBuilders:
    """Postings and services for ledger tests (flushed, never committed)."""

    def __init__(self, build) -> None:
        self.build = build
        self._actor = None
        self._rates_added = False

    @property
    def actor(self):
        if self._actor is None:
            self._actor = self.build.user(role=Role.ACCOUNTANT)
        return self._actor

    def rate_card(self, effective_from: date = date(2020, 1, 1)) -> None:
        """The demo rates for every community (once per test)."""
        if self._rates_added:
            return
        self._rates_added = True
        for service, rate in DEMO_RATES.items():
            add_rate(service, rate, effective_from, None, self.actor.id)

    def accrual(self, amount: str = "120.00", payee=None, day: date | None = None, **kwargs):
        """Owe a family `amount` (debit homestays, credit its payable)."""
        family = payee or self.build.family()
        payable = payable_account(PayeeKind.FAMILY, family.id)
        return post_entry(
            day or today_lima(), "homestay accrual",
            [LineSpec(system_account("expenses:homestays"), debit=Decimal(amount)),
             LineSpec(payable, credit=Decimal(amount))],
            EntrySource.ADJUSTMENT, None, self.actor.id, **kwargs,
        )

    def homestay(self, family, nights: int = 2, day: date | None = None, **fields) -> Delivered:
        return Delivered(ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY, family.id, family.community_id,
                         nights, day or today_lima(), **fields)


@pytest.fixture
def ledger(build, ctx) -> LedgerBuilders:
    """Ledger builders, inside an app context."""
    return LedgerBuilders(build)


@pytest.fixture
def ops(build) -> OperationsBuilders:
    """Operations builders (routes, departures, actuals)."""
    return OperationsBuilders(build)


def make_completed_departure(build, ledger: LedgerBuilders, ops: OperationsBuilders, days_ago: int = 3,
                             rates: bool = True):
    """A completed classic trek, ended `days_ago` days ago, with its actuals (demo rates).

    Delivered: 2 homestay nights (3 guests each, two families), a workshop (3 participants),
    visitor fees in two communities and hot springs in Lares (3 walked), a porter for 3 days at
    S/ 165, an arriero for 3 days with 2 mules, a cook for 3 days.
    """
    if rates:
        ledger.rate_card()
    end = today_lima() - timedelta(days=days_ago)
    start = end - timedelta(days=2)
    lares, huacahuasi, patacancha = (build.community() for _ in range(3))
    route = ops.route(
        nights=[(NightKind.HOMESTAY, huacahuasi), (NightKind.HOMESTAY, patacancha), (NightKind.NONE, None)],
        activities={1: [(Activity.HOT_SPRINGS, lares)]},
    )
    departure = ops.departure(route, start=start, status=DepartureStatus.COMPLETED)
    for walked in (True, True, True, False):
        ops.traveller(departure, walked=walked)
    ops.allocation(departure, build.family(huacahuasi), start, guests=3, guests_actual=3)
    ops.allocation(departure, build.family(patacancha), start + timedelta(days=1), guests=3, guests_actual=3)
    ops.workshop(departure, build.association(huacahuasi), start, expected=4, actual_participants=3)
    ops.assignment(departure, role=StaffRole.PORTER, daily_wage=Decimal("165.00"), actual_days=3)
    ops.assignment(departure, role=StaffRole.ARRIERO, mules=2, actual_days=3)
    ops.assignment(departure, role=StaffRole.COOK, actual_days=3)
    return departure


@pytest.fixture
def completed_departure(ledger, ops, build):
    """Make a completed departure (`make_completed_departure`): `completed_departure(days_ago=3)`."""
    return partial(make_completed_departure, build, ledger, ops)


# What `completed_departure()` owes at the demo rates.
COMPLETED_DEPARTURE_TOTAL = Decimal(
    6 * 60 + 3 * 25 + 2 * 3 * 10 + 3 * 15 + 3 * 165 + 3 * 120 + 6 * 50 + 3 * 170
)


def settle(obligation, amount: Decimal, actor_id=None, method=None):
    """Pay part of an obligation the way payments does: debit payable, credit cash, record it."""
    from app.ledger.models import ObligationStatus
    from app.ledger.services import cash_account
    from app.registries.models import PaymentMethod

    entry = post_entry(
        today_lima(), f"payment of obligation #{obligation.id}",
        [LineSpec(payable_account(obligation.payee_kind, obligation.payee_id), debit=amount),
         LineSpec(cash_account(method or PaymentMethod.CASH), credit=amount)],
        EntrySource.PAYMENT, None, actor_id,
    )
    obligation.amount_paid += amount
    if obligation.amount_paid == obligation.amount:
        obligation.status = ObligationStatus.SETTLED
    return entry
