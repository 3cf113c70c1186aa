"""Years of demo history, written in bulk, obey the same rules as a manager and an accountant.

Small seasons (a few dozen departures a year) keep the test quick; the generator is the one
`flask seed-demo --seasons 10` runs.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

import app.payments.verification  # noqa: F401  (registers the payments checks of `ledger verify`)
from app.demo import history
from app.demo.cli import seed_demo
from app.demo.history import seed_history
from app.ledger.models import (
    AccountingPeriod,
    EntrySource,
    JournalEntry,
    JournalLine,
    Obligation,
    ObligationStatus,
)
from app.ledger.services import LineSpec, cash_account, post_entry, system_account
from app.ledger.verification import run_checks
from app.operations.models import Departure, DepartureStatus, StaffAssignment, Traveller
from app.payments.models import Payment, PaymentAllocation, PaymentStatus, ReceiptSequence
from app.registries.models import PaymentMethod, StaffRole
from tests.conftest import is_postgres


def _history(session, seasons: int = 3, per_year: int = 30, seed: int = 11):
    """`seed_demo(seasons=...)` as the command runs it, with fewer departures a year."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(history, "DEPARTURES_PER_YEAR", per_year)
        seed_demo(seed=seed, seasons=seasons)
    if is_postgres():
        # The ledger's commit-time triggers, checked now (the test's transaction never commits).
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        session.execute(text("SET CONSTRAINTS ALL DEFERRED"))


@pytest.mark.long
def test_three_seasons_of_history_obey_the_ledger_and_the_trail(ctx, db_session):
    _history(db_session, per_year=50)
    assert db_session.scalar(select(func.count(Departure.id))) > 80
    assert db_session.scalar(select(func.count(JournalLine.id))) > 3000
    assert run_checks() == {name: [] for name in run_checks()}

    # Seasons: the dry months carry the year, the rainy ones are thin, some treks were cancelled.
    history = select(Departure).where(Departure.start_date < date(2026, 1, 1)).subquery()
    months = [start.month for start in db_session.scalars(select(history.c.start_date))]
    assert sum(m in (5, 6, 7, 8, 9) for m in months) > 4 * sum(m in (12, 1, 2, 3) for m in months)
    assert db_session.scalar(select(func.count()).where(history.c.status == DepartureStatus.CANCELLED)) > 0

    # Payments: some voided and reversed, some obligations paid in instalments, all settled.
    assert db_session.scalar(select(func.count()).where(Payment.status == PaymentStatus.VOIDED)) > 0
    assert db_session.scalar(select(func.count()).where(JournalEntry.reverses_entry_id.is_not(None))) > 0
    split = db_session.scalar(select(func.count()).select_from(
        select(PaymentAllocation.obligation_id).join(Payment)
        .where(Payment.status == PaymentStatus.POSTED)
        .group_by(PaymentAllocation.obligation_id).having(func.count() > 1).subquery()))
    assert split > 0
    history_owed = select(Obligation.status).where(Obligation.service_date < date(2026, 1, 1))
    assert set(db_session.scalars(history_owed)) == {ObligationStatus.SETTLED}
    # Above the approval threshold (S/ 1,000 from the migration) a second person approved.
    big = db_session.execute(select(Payment.created_by_id, Payment.approved_by_id)
                             .where(Payment.amount > Decimal("1000"),
                                    Payment.status == PaymentStatus.POSTED)).all()
    assert big and all(approver is not None and approver != maker for maker, approver in big)
    closed = set(db_session.execute(select(AccountingPeriod.year, AccountingPeriod.month)
                                    .where(AccountingPeriod.closed_at.is_not(None))).all())
    assert {(year, month) for year in (2024, 2025) for month in range(1, 13)} <= closed

    # The trail: nobody on two treks at once; porters paid the floor, never over the load limit.
    overlaps = db_session.execute(text("""
        SELECT count(*) FROM staff_assignments a
        JOIN departures d ON d.id = a.departure_id
        JOIN staff_assignments b ON b.staff_member_id = a.staff_member_id AND b.id <> a.id
        JOIN departures e ON e.id = b.departure_id
        WHERE d.status <> 'cancelled' AND e.status <> 'cancelled'
          AND d.start_date <= e.end_date AND d.end_date >= e.start_date""")).scalar()
    assert overlaps == 0
    uit = {2024: Decimal("5150"), 2025: Decimal("5350")}
    porters = db_session.execute(
        select(StaffAssignment.daily_wage, Departure.start_date, StaffAssignment.load_kg)
        .join(Departure).where(StaffAssignment.role == StaffRole.PORTER)).all()
    assert porters
    for wage, start, load in porters:
        if start.year in uit:
            assert wage >= uit[start.year] * Decimal("0.03") and load <= Decimal("20")


def test_the_app_carries_on_after_the_history(ctx, db_session):
    _history(db_session, seasons=2, per_year=10)
    last_receipt = db_session.scalar(select(func.max(Payment.receipt_number)))
    assert db_session.scalar(select(ReceiptSequence.last_number)) == last_receipt
    # New rows after bulk rows with explicit ids: the id sequences were moved past them.
    entry = post_entry(date(2026, 11, 20), "cash box top-up", [
        LineSpec(cash_account(PaymentMethod.CASH), debit=Decimal("500.00")),
        LineSpec(system_account("assets:bank"), credit=Decimal("500.00")),
    ], EntrySource.ADJUSTMENT, None, None)
    assert entry.id > db_session.scalar(select(func.max(JournalEntry.id)).where(JournalEntry.id != entry.id))


@pytest.mark.long
def test_history_is_deterministic(ctx, db_session):
    def fingerprint():
        return (db_session.scalar(select(func.count(Traveller.id))),
                db_session.scalar(select(func.sum(JournalLine.debit))),
                list(db_session.scalars(select(Departure.code).order_by(Departure.id).limit(50))))

    _history(db_session, seasons=2, per_year=10, seed=3)
    first = fingerprint()
    db_session.rollback()
    _history(db_session, seasons=2, per_year=10, seed=3)
    assert fingerprint() == first


@pytest.mark.parametrize("seasons", [0, 1, 99])
def test_seasons_out_of_range_are_refused(ctx, db_session, seasons):
    with pytest.raises(ValueError):
        seed_history(seasons, random.Random(1))
