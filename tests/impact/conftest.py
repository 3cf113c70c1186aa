"""A small season built by hand, every figure of which the tests work out on paper.

June 2026 (the report period):
- D1 (10-12 June, US$ 500 x 4 travellers, 3 walked): night 1 in Huacahuasi with Juana (2
  guests, woman) and Mariano (1 guest, man); night 2 in Choquecancha with Rosa (3 guests,
  woman); a weaving workshop in Huacahuasi (3 participants); porters Ñaupa (3 days at S/ 170,
  18 kg, from Huacahuasi) and Huillca (3 days at S/ 160, 22 kg, from Choquecancha); a cook from
  Huacahuasi (3 days, rate card S/ 170); a guide from Cusco (3 days, rate card S/ 200).
- D2 (20-22 June, US$ 600 x 2 travellers): Juana 2 guests, Rosa 2 guests; porter Ñaupa 3 days
  at S/ 170, 19 kg.
- D3 (23-25 June) completed but not posted.
June 2025 (the year before): D0 (US$ 500 x 2), Mariano 2 guests.
Payments: Juana for D1 on 15 June; Ñaupa for D1 on 13 June (1 day after); Huillca for D1 on
16 June (4 days after); Ñaupa for D2 on 2 July (after the period).
Exchange rates: 3.75 from 1 June 2026, 3.70 from 1 June 2025. UIT 2026: S/ 5,500.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.roles import Role
from app.extensions import db
from app.ledger.models import ExchangeRate, Obligation, ServiceKind
from app.ledger.rates import add_rate
from app.ledger.services import close_period, post_departure
from app.operations.models import Activity, DepartureStatus, NightKind
from app.payments.services import issue_payment, set_approval_threshold
from app.registries.models import Gender, PayeeKind, StaffRole
from tests.operations.builders import OperationsBuilders

LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)
RATES = {
    ServiceKind.HOMESTAY_NIGHT: "60", ServiceKind.WORKSHOP_PARTICIPANT: "25",
    ServiceKind.VISITOR_FEE: "10", ServiceKind.HOT_SPRINGS: "15", ServiceKind.ARRIERO_DAY: "120",
    ServiceKind.MULE_DAY: "50", ServiceKind.COOK_DAY: "170", ServiceKind.PORTER_DAY: "165",
    ServiceKind.GUIDE_DAY: "200",
}


@dataclass
class Season:
    """The records of the hand-built season, by the names the tests use."""

    app: object
    accountant: object
    huacahuasi: object
    choquecancha: object
    juana: object
    mariano: object
    hilaria: object
    rosa: object
    weavers: object
    naupa: object
    huillca: object
    cook: object
    guide: object
    d1: object
    d2: object
    d3: object
    d0: object

    def pay(self, payee, departure, day: date, kind: PayeeKind, service: ServiceKind) -> None:
        """Pay `payee` in full for its `service` on `departure`, dated `day`."""
        obligations = select(Obligation).where(
            Obligation.payee_kind == kind, Obligation.payee_id == payee.id,
            Obligation.departure_id == departure.id, Obligation.service == service)
        found = db.session.scalars(obligations).all()
        issue_payment(payee_kind=kind, payee_id=payee.id, obligation_ids=[o.id for o in found],
                      amount=sum(o.amount for o in found), method="cash", reference=None,
                      idempotency_key=str(uuid.uuid4()), actor_id=self.accountant.id, payment_date=day)

    def close_june(self) -> None:
        """Close June 2026 in the ledger."""
        with self.app.app_context():
            close_period(2026, 6, self.accountant.id)


@pytest.fixture
def ops(build) -> OperationsBuilders:
    """Operations builders."""
    return OperationsBuilders(build)


def _completed(ops, route, start, prices, walked, **fields):
    departure = ops.departure(route, start=start, status=DepartureStatus.COMPLETED,
                              price_per_traveller_usd=Decimal(prices), **fields)
    for index in range(len(walked)):
        ops.traveller(departure, walked=walked[index])
    return departure


@pytest.fixture
def season(app, build, ops, db_session) -> Season:
    """The hand-built season described in this module's docstring, posted and partly paid.

    Built inside its own app context, popped afterwards: requests made by the test then get
    their own `g` (signed-in user, language), as in production. Tests that call services
    directly ask for `ctx` as well.
    """
    with app.app_context():
        return _build_season(app, build, ops, db_session)


def _build_season(app, build, ops, db_session) -> Season:
    accountant = build.user(role=Role.ACCOUNTANT, full_name="Carmen Huamán")
    for service, rate in RATES.items():
        add_rate(service, rate, date(2020, 1, 1), None, accountant.id)
    set_approval_threshold(Decimal("50000"), date(2020, 1, 1), accountant.id)
    db_session.add_all([ExchangeRate(rate_date=date(2026, 6, 1), usd_to_pen=Decimal("3.75")),
                        ExchangeRate(rate_date=date(2025, 6, 1), usd_to_pen=Decimal("3.70"))])
    ops.parameters()

    huacahuasi = build.community(name="Huacahuasi")
    choquecancha = build.community(name="Choquecancha")
    juana = build.family(huacahuasi, household_head="Juana Quispe Ñaupa", host_gender=Gender.FEMALE, created_at=LONG_AGO)
    mariano = build.family(huacahuasi, household_head="Mariano Huillca", host_gender=Gender.MALE, created_at=LONG_AGO)
    hilaria = build.family(huacahuasi, household_head="Hilaria Ccorimanya", host_gender=Gender.FEMALE, created_at=LONG_AGO)
    rosa = build.family(choquecancha, household_head="Rosa Mamani", host_gender=Gender.FEMALE, created_at=LONG_AGO)
    weavers = build.association(huacahuasi, name="Tejedoras de Huacahuasi", members=10, women_members=8)
    naupa = build.staff(full_name="Santos Ñaupa", community_id=huacahuasi.id)
    huillca = build.staff(full_name="Julián Huillca", community_id=choquecancha.id)
    cook = build.staff(roles={StaffRole.COOK}, full_name="Dominga Sutta", gender=Gender.FEMALE, community_id=huacahuasi.id)
    guide = build.staff(roles={StaffRole.GUIDE}, full_name="Edwin Puma")
    route = ops.route(nights=[(NightKind.HOMESTAY, huacahuasi), (NightKind.HOMESTAY, choquecancha),
                              (NightKind.NONE, None)],
                      activities={1: [(Activity.WEAVING_WORKSHOP, huacahuasi)]})

    d1 = _completed(ops, route, date(2026, 6, 10), "500.00", [True, True, True, False], code="LAR-2026-06-10-A")
    ops.allocation(d1, juana, date(2026, 6, 10), guests=2, guests_actual=2)
    ops.allocation(d1, mariano, date(2026, 6, 10), guests=1, guests_actual=1)
    ops.allocation(d1, rosa, date(2026, 6, 11), guests=3, guests_actual=3)
    ops.workshop(d1, weavers, date(2026, 6, 10), expected=3, actual_participants=3)
    ops.assignment(d1, naupa, daily_wage=Decimal("170"), actual_days=3, load_kg=Decimal("18"))
    ops.assignment(d1, huillca, daily_wage=Decimal("160"), actual_days=3, load_kg=Decimal("22"))
    ops.assignment(d1, cook, role=StaffRole.COOK, actual_days=3)
    ops.assignment(d1, guide, role=StaffRole.GUIDE, actual_days=3)

    d2 = _completed(ops, route, date(2026, 6, 20), "600.00", [True, True], code="LAR-2026-06-20-A")
    ops.allocation(d2, juana, date(2026, 6, 20), guests=2, guests_actual=2)
    ops.allocation(d2, rosa, date(2026, 6, 21), guests=2, guests_actual=2)
    ops.assignment(d2, naupa, daily_wage=Decimal("170"), actual_days=3, load_kg=Decimal("19"))

    d3 = _completed(ops, route, date(2026, 6, 23), "500.00", [True], code="LAR-2026-06-23-A")
    ops.allocation(d3, hilaria, date(2026, 6, 23), guests=1, guests_actual=1)

    d0 = _completed(ops, route, date(2025, 6, 10), "500.00", [True, True], code="LAR-2025-06-10-A")
    ops.allocation(d0, mariano, date(2025, 6, 10), guests=2, guests_actual=2)

    for departure in (d0, d1, d2):
        post_departure(departure, accountant.id)
    result = Season(app, accountant, huacahuasi, choquecancha, juana, mariano, hilaria, rosa, weavers,
                    naupa, huillca, cook, guide, d1, d2, d3, d0)
    result.pay(juana, d1, date(2026, 6, 15), PayeeKind.FAMILY, ServiceKind.HOMESTAY_NIGHT)
    result.pay(naupa, d1, date(2026, 6, 13), PayeeKind.STAFF, ServiceKind.PORTER_DAY)
    result.pay(huillca, d1, date(2026, 6, 16), PayeeKind.STAFF, ServiceKind.PORTER_DAY)
    result.pay(naupa, d2, date(2026, 7, 2), PayeeKind.STAFF, ServiceKind.PORTER_DAY)
    return result
