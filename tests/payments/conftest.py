"""Payments fixtures: obligations owed to payees, and payments made against them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.clock import today_lima
from app.ledger.models import EntrySource, Obligation, ServiceKind
from app.ledger.services import post_services
from app.payments.services import issue_payment
from app.registries.models import (
    Community,
    HomestayFamily,
    PayeeKind,
    StaffMember,
    WeavingAssociation,
)

KIND_OF = {Community: PayeeKind.COMMUNITY, HomestayFamily: PayeeKind.FAMILY,
           WeavingAssociation: PayeeKind.ASSOCIATION, StaffMember: PayeeKind.STAFF}


def payee_key(payee) -> tuple[PayeeKind, int]:
    """(kind, id) of a registry record."""
    return KIND_OF[type(payee)], payee.id


def new_key() -> str:
    """A fresh idempotency key, as a payment form carries."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Delivered:
    """A service delivered (the shape of operations' ServiceDelivered)."""

    service: ServiceKind
    payee_kind: PayeeKind
    payee_id: int
    community_id: int | None
    quantity: int
    service_date: date
    agreed_rate: Decimal | None


class PaymentBuilders:
    """Owe payees money and pay it (flushed, never committed).

    Each call runs in its own app context, so that page tests keep no app context pushed between
    requests (each request then picks its user's language, as in production).
    """

    def __init__(self, build, app) -> None:
        self.build = build
        self.app = app
        self._accountant = None

    @property
    def accountant(self):
        """The accountant who makes payments unless a test says otherwise."""
        if self._accountant is None:
            self._accountant = self.build.user(role=Role.ACCOUNTANT, full_name="Rosa Condori")
        return self._accountant

    def owe(self, payee=None, amount: str = "120.00", quantity: int = 1, day: date | None = None,
            service: ServiceKind = ServiceKind.HOMESTAY_NIGHT) -> Obligation:
        """One open obligation of `amount` (quantity x rate) to `payee` (a new family by default)."""
        return self.owe_many(payee, [amount], quantity=quantity, day=day, service=service)[0]

    def owe_many(self, payee=None, amounts=("120.00",), quantity: int = 1, day: date | None = None,
                 service: ServiceKind = ServiceKind.HOMESTAY_NIGHT) -> list[Obligation]:
        """An open obligation per amount, to the same payee, posted in one entry."""
        with self.app.app_context():
            return self._owe_many(payee, amounts, quantity, day, service)

    def _owe_many(self, payee, amounts, quantity, day, service) -> list[Obligation]:
        payee = payee or self.build.family()
        kind, payee_id = payee_key(payee)
        community_id = payee.id if kind == PayeeKind.COMMUNITY else payee.community_id
        day = day or today_lima()
        services = [Delivered(service, kind, payee_id, community_id, quantity, day,
                              Decimal(amount) / quantity) for amount in amounts]
        obligations = []
        for delivered in services:  # one entry each, so each makes its own obligation
            entry = post_services([delivered], entry_date=day, trek_end_date=day, memo="trek",
                                  source_type=EntrySource.ADJUSTMENT, source_id=None,
                                  departure_id=None, actor_id=self.accountant.id)
            obligations.extend(self.build.session.scalars(
                select(Obligation).where(Obligation.entry_id == entry.id)))
        return obligations

    def pay(self, obligations, amount: str | Decimal, method: str = "cash", reference: str | None = None,
            key: str | None = None, actor=None, payee=None, **fields):
        """Pay against `obligations` (all the same payee's); returns the IssuedPayment."""
        obligations = obligations if isinstance(obligations, list | tuple) else [obligations]
        first = obligations[0]
        kind, payee_id = payee_key(payee) if payee is not None else (first.payee_kind, first.payee_id)
        with self.app.app_context():
            return issue_payment(
                payee_kind=kind, payee_id=payee_id, obligation_ids=[o.id for o in obligations],
                amount=amount, method=method, reference=reference, idempotency_key=key or new_key(),
                actor_id=(actor or self.accountant).id, **fields,
            )


@pytest.fixture
def payments(app, build) -> PaymentBuilders:
    """Payments builders (service tests add the `ctx` fixture to call services themselves)."""
    return PaymentBuilders(build, app)
