"""Ledger fixtures: delivered services, quick postings, a rate card like the demo's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.accounts.roles import Role
from app.clock import today_lima
from app.ledger.models import EntrySource, ServiceKind
from app.ledger.rates import add_rate
from app.ledger.services import LineSpec, payable_account, post_entry, system_account
from app.registries.models import PayeeKind


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

    @property
    def actor(self):
        if self._actor is None:
            self._actor = self.build.user(role=Role.ACCOUNTANT)
        return self._actor

    def rate_card(self, effective_from: date = date(2020, 1, 1)) -> None:
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
