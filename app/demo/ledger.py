"""Demo ledger: the rate card (DOMAIN.md's demo rates), weekly USD→PEN rates, every completed
departure of the 2026 season posted, and May to September 2026 closed by the accountant.

The rates are invented for the demo (DOMAIN.md says so); the porter default equals the 2026
demo wage floor (3% of the demo UIT of S/ 5,500), used only when an assignment has no wage.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role
from app.extensions import db
from app.ledger.models import ServiceKind
from app.ledger.rates import add_exchange_rate, add_rate
from app.ledger.services import close_period, post_departure
from app.operations.models import Departure, DepartureStatus
from app.registries.models import Community

RATES_FROM = date(2026, 1, 1)
DEMO_RATES = [
    (ServiceKind.HOMESTAY_NIGHT, "60.00", "with dinner and breakfast"),
    (ServiceKind.WORKSHOP_PARTICIPANT, "25.00", None),
    (ServiceKind.VISITOR_FEE, "10.00", None),
    (ServiceKind.HOT_SPRINGS, "15.00", "Lares hot springs"),
    (ServiceKind.ARRIERO_DAY, "120.00", None),
    (ServiceKind.MULE_DAY, "50.00", None),
    (ServiceKind.COOK_DAY, "170.00", None),
    (ServiceKind.PORTER_DAY, "165.00", "only when the assignment has no agreed wage: the 2026 floor"),
    (ServiceKind.GUIDE_DAY, "220.00", "invented for the demo"),
]
# A community that raised its homestay rate mid-season: posted nights keep the old rate.
RATE_CHANGE = ("Huacahuasi", ServiceKind.HOMESTAY_NIGHT, "65.00", date(2026, 8, 1),
               "community assembly of July 2026")
EXCHANGE_RATES_FROM = date(2026, 4, 27)
EXCHANGE_RATES_TO = date(2026, 11, 23)
CLOSED_MONTHS = [(2026, month) for month in range(5, 10)]


def seed_ledger(communities: dict[str, Community], rng: random.Random) -> None:
    """Rates, exchange rates, the season's postings, and the closed months (flushes only)."""
    accountant_id = db.session.scalar(select(User.id).where(User.role == Role.ACCOUNTANT).limit(1))
    for service, rate, note in DEMO_RATES:
        add_rate(service, Decimal(rate), RATES_FROM, None, accountant_id, note=note)
    name, service, rate, start, note = RATE_CHANGE
    add_rate(service, Decimal(rate), start, communities[name].id, accountant_id, note=note)
    day, rate = EXCHANGE_RATES_FROM, Decimal("3.7200")
    while day <= EXCHANGE_RATES_TO:
        add_exchange_rate(day, rate, accountant_id, source="SBS (demo values)")
        rate = min(max(rate + Decimal(rng.randint(-30, 30)) / 10000, Decimal("3.6000")), Decimal("3.8500"))
        day += timedelta(days=7)
    completed = db.session.scalars(
        select(Departure).where(Departure.status == DepartureStatus.COMPLETED, Departure.posted_at.is_(None))
        .order_by(Departure.end_date, Departure.id)
    ).all()
    for departure in completed:
        post_departure(departure, accountant_id)
    for year, month in CLOSED_MONTHS:
        close_period(year, month, accountant_id)
