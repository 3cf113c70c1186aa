"""The demo season's books: its completed departures posted and its first months paid.

Through the services an accountant uses (`post_departure`, `run_batch`), after any history, so
receipt numbers follow the calendar. Whatever another demo step already did is left alone:
departures already posted are skipped, and no batch is run once payments exist.
"""

from __future__ import annotations

import random
import uuid
from datetime import date

from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.demo.history import seed_parameters
from app.demo.operations import DEMO_TODAY
from app.extensions import db
from app.ledger.services import post_departure
from app.operations.models import Departure, DepartureStatus
from app.payments.models import Payment, PaymentStatus
from app.payments.services import approve_payment, run_batch

# The accountant pays everything owed up to the end of August in one batch run in September;
# September's treks are still owed in the demo (some porters late: the payables page shows it).
BATCH_CUTOFF = date(DEMO_TODAY.year, 8, 31)
BATCH_DAY = date(DEMO_TODAY.year, 9, 7)


def seed_season_books(rng: random.Random) -> None:
    """Post the demo season's completed departures and pay them up to August (flushes only)."""
    seed_parameters(rng, DEMO_TODAY.year)
    accountant_id = db.session.scalar(
        select(User.id).where(User.role == Role.ACCOUNTANT).order_by(User.id).limit(1))
    unposted = db.session.scalars(
        select(Departure).where(Departure.status == DepartureStatus.COMPLETED,
                                Departure.posted_at.is_(None),
                                Departure.start_date >= date(DEMO_TODAY.year, 1, 1))
        .order_by(Departure.end_date, Departure.id))
    for departure in unposted:
        post_departure(departure, accountant_id)
    db.session.flush()
    already_paid = db.session.scalar(
        select(func.count(Payment.id)).where(Payment.payment_date >= date(DEMO_TODAY.year, 1, 1)))
    if already_paid:
        return
    batch = run_batch(community_id=None, cutoff=BATCH_CUTOFF, actor_id=accountant_id,
                      idempotency_key=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                      payment_date=BATCH_DAY).batch
    # Above the approval threshold a second person approves; the last two still wait for it.
    admin_id = db.session.scalar(select(User.id).where(User.role == Role.ADMIN).order_by(User.id).limit(1))
    pending = [p for p in batch.payments if p.status == PaymentStatus.PENDING]
    for payment in pending[:-2]:
        approve_payment(payment, admin_id)
