"""Payments above the threshold wait for a second person; voiding reverses; each step at most once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.clock import today_lima
from app.ledger.errors import NotReversible, PeriodClosed
from app.ledger.models import JournalEntry, ObligationStatus
from app.ledger.services import close_period, reverse_entry
from app.ledger.verification import run_checks
from app.payments.errors import (
    OverpaymentRefused,
    PaymentAlreadyApproved,
    PaymentAlreadyVoided,
    PaymentTransitionError,
    SelfApprovalRefused,
    VoidReasonRequired,
)
from app.payments.models import PaymentStatus
from app.payments.services import (
    approve_payment,
    set_approval_threshold,
    threshold_in_force,
    void_payment,
)

# They call services directly, and compute periods and ageing from a clock held still.
pytestmark = pytest.mark.usefixtures("frozen_clock", "ctx")


@pytest.fixture
def second_accountant(build):
    return build.user(role=Role.ACCOUNTANT, full_name="Walter Huamán")


def test_the_initial_threshold_is_one_thousand_soles(ctx):
    assert threshold_in_force(today_lima()).amount == Decimal("1000.00")


def test_a_payment_at_the_threshold_posts_and_one_above_waits(payments, build):
    family = build.family()
    at = payments.pay(payments.owe(family, "1000.00"), "1000.00").payment
    above = payments.pay(payments.owe(family, "1000.01"), "1000.01").payment
    assert at.status == PaymentStatus.POSTED
    assert above.status == PaymentStatus.PENDING
    assert above.receipt_number is None and above.entry_id is None


def test_a_pending_payment_reserves_what_it_pays(payments):
    owed = payments.owe(amount="1500.00")
    payments.pay(owed, "1500.00")  # pending
    assert owed.amount_paid == Decimal("0.00")
    with pytest.raises(OverpaymentRefused):
        payments.pay(owed, "1.00")


def test_a_second_accountant_approves_and_the_payment_posts_with_the_next_receipt(payments, second_accountant):
    owed = payments.owe(amount="1500.00")
    pending = payments.pay(owed, "1500.00").payment
    earlier = payments.pay(payments.owe(amount="10.00"), "10.00").payment
    approve_payment(pending, second_accountant.id)
    assert pending.status == PaymentStatus.POSTED
    assert pending.receipt_number == earlier.receipt_number + 1
    assert pending.approved_by_id == second_accountant.id and pending.approved_at is not None
    assert owed.status == ObligationStatus.SETTLED
    assert payments.build.session.get(JournalEntry, pending.entry_id).transfer_id == pending.idempotency_key


def test_nobody_approves_their_own_payment(payments):
    pending = payments.pay(payments.owe(amount="1500.00"), "1500.00").payment
    with pytest.raises(SelfApprovalRefused):
        approve_payment(pending, payments.accountant.id)
    assert pending.status == PaymentStatus.PENDING and pending.receipt_number is None


def test_a_manager_cannot_approve(payments, build):
    pending = payments.pay(payments.owe(amount="1500.00"), "1500.00").payment
    with pytest.raises(PaymentTransitionError):
        approve_payment(pending, build.user(role=Role.MANAGER).id)


def test_each_transition_happens_at_most_once(payments, second_accountant):
    pending = payments.pay(payments.owe(amount="1500.00"), "1500.00").payment
    approve_payment(pending, second_accountant.id)
    with pytest.raises(PaymentAlreadyApproved):
        approve_payment(pending, second_accountant.id)
    void_payment(pending, second_accountant.id, "wrong family")
    with pytest.raises(PaymentAlreadyVoided):
        void_payment(pending, second_accountant.id, "again")
    with pytest.raises(PaymentAlreadyVoided):
        approve_payment(pending, second_accountant.id)


def test_voiding_a_pending_payment_frees_the_obligation_and_takes_no_receipt_number(payments):
    owed = payments.owe(amount="1500.00")
    pending = payments.pay(owed, "1500.00").payment
    void_payment(pending, payments.accountant.id, "typed the wrong amount")
    assert pending.status == PaymentStatus.VOIDED and pending.receipt_number is None
    assert payments.pay(owed, "900.00").payment.status == PaymentStatus.POSTED


def test_voiding_a_posted_payment_reverses_its_entry_and_keeps_its_number(payments):
    owed = payments.owe(amount="120.00")
    payment = payments.pay(owed, "120.00").payment
    number = payment.receipt_number
    void_payment(payment, payments.accountant.id, "paid the wrong family")
    assert payment.status == PaymentStatus.VOIDED and payment.receipt_number == number
    reversal = payments.build.session.get(JournalEntry, payment.void_entry_id)
    assert reversal.reverses_entry_id == payment.entry_id
    assert owed.status == ObligationStatus.OPEN and owed.amount_paid == Decimal("0.00")
    again = payments.pay(owed, "120.00").payment
    assert again.receipt_number == number + 1  # the voided payment keeps its number: no gap, no reuse


def test_a_payments_entry_is_not_reversed_on_its_own_but_by_voiding_the_payment(payments):
    """Reversing the entry alone would give the payable back and leave the obligation paid."""
    owed = payments.owe(amount="120.00")
    payment = payments.pay(owed, "120.00").payment
    entry = payments.build.session.get(JournalEntry, payment.entry_id)
    entries = payments.build.session.scalar(select(func.count(JournalEntry.id)))
    with pytest.raises(NotReversible, match="voiding the payment"):
        reverse_entry(entry, payments.accountant.id, "wrong family")
    assert payments.build.session.scalar(select(func.count(JournalEntry.id))) == entries
    void_payment(payment, payments.accountant.id, "wrong family")
    assert payments.build.session.get(JournalEntry, payment.void_entry_id).reverses_entry_id == entry.id
    assert {name: problems for name, problems in run_checks().items() if problems} == {}


def test_voiding_needs_a_reason(payments):
    payment = payments.pay(payments.owe(amount="120.00"), "120.00").payment
    with pytest.raises(VoidReasonRequired):
        void_payment(payment, payments.accountant.id, "  ")
    assert payment.status == PaymentStatus.POSTED


def test_a_new_threshold_applies_from_its_date(payments, build):
    admin = build.user(role=Role.ADMIN)
    set_approval_threshold("200.00", today_lima() - timedelta(days=1), admin.id)
    assert threshold_in_force(today_lima()).amount == Decimal("200.00")
    assert threshold_in_force(date(2020, 1, 1)).amount == Decimal("1000.00")
    assert payments.pay(payments.owe(amount="250.00"), "250.00").payment.status == PaymentStatus.PENDING


def test_approval_is_refused_when_the_month_is_closed_and_nothing_is_written(payments, second_accountant, build):
    last_month = today_lima().replace(day=1) - timedelta(days=1)
    owed = payments.owe(amount="1500.00", day=last_month)
    pending = payments.pay(owed, "1500.00", payment_date=last_month).payment
    close_period(last_month.year, last_month.month, build.user(role=Role.ADMIN).id)
    with pytest.raises(PeriodClosed):
        approve_payment(pending, second_accountant.id)
    assert pending.approved_by_id is None
    assert payments.build.session.scalars(select(JournalEntry).where(
        JournalEntry.transfer_id == pending.idempotency_key)).first() is None


def test_a_payment_dated_in_a_closed_month_is_refused(payments, build):
    last_month = today_lima().replace(day=1) - timedelta(days=1)
    owed = payments.owe(amount="100.00", day=last_month)
    close_period(last_month.year, last_month.month, build.user(role=Role.ADMIN).id)
    with pytest.raises(PeriodClosed):
        payments.pay(owed, "100.00", payment_date=last_month)
    assert payments.pay(owed, "100.00").payment.status == PaymentStatus.POSTED  # dated today
