"""An accountant pays a payee against its open obligations: exact, once, never more than owed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.clock import today_lima
from app.ledger.models import Account, JournalEntry, JournalLine, ObligationStatus
from app.ledger.services import payable_account, void_obligation
from app.payments.errors import (
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InvalidPaymentAmount,
    InvalidPaymentDate,
    ObligationNotPayable,
    ObligationVoided,
    OverpaymentRefused,
    PayeeArchived,
    ReferenceRequired,
)
from app.payments.models import Payment, PaymentStatus
from app.registries.models import PayeeKind
from app.registries.services import archive_record
from tests.payments.conftest import new_key

pytestmark = pytest.mark.usefixtures("ctx")  # these tests call services directly


def balance(account: Account) -> Decimal:
    """Credits minus debits: what the operator still owes on a payable account."""
    from app.extensions import db

    debit, credit = db.session.execute(
        select(func.coalesce(func.sum(JournalLine.debit), 0), func.coalesce(func.sum(JournalLine.credit), 0))
        .where(JournalLine.account_id == account.id)).one()
    return Decimal(credit) - Decimal(debit)


def count(model) -> int:
    from app.extensions import db

    return db.session.scalar(select(func.count()).select_from(model))


def test_accountant_pays_a_family_in_full_in_cash(payments, build):
    family = build.family(household_head="Justina Ñaupa Huillca")
    owed = payments.owe(family, "120.00")
    payment = payments.pay(owed, "120.00").payment
    assert payment.status == PaymentStatus.POSTED
    assert payment.receipt_number >= 1 and payment.entry_id is not None
    assert payment.payee_name == "Justina Ñaupa Huillca"
    assert owed.status == ObligationStatus.SETTLED and owed.amount_paid == Decimal("120.00")
    entry = payments.build.session.get(JournalEntry, payment.entry_id)
    assert entry.transfer_id == payment.idempotency_key
    assert sorted((line.account.code, line.debit, line.credit) for line in entry.lines) == [
        ("assets:cash:box", Decimal("0.00"), Decimal("120.00")),
        (f"liabilities:payable:family:{family.id}", Decimal("120.00"), Decimal("0.00")),
    ]
    assert balance(payable_account(PayeeKind.FAMILY, family.id)) == Decimal("0.00")


def test_partial_payments_spread_oldest_first_and_receipts_follow_each_other(payments, build):
    family = build.family()
    older = payments.owe(family, "100.00", day=today_lima() - timedelta(days=3))
    newer = payments.owe(family, "60.00")
    first = payments.pay([newer, older], "130.00").payment
    assert [(a.obligation_id, a.amount) for a in first.allocations] == [
        (older.id, Decimal("100.00")), (newer.id, Decimal("30.00"))]
    assert older.status == ObligationStatus.SETTLED
    assert newer.status == ObligationStatus.OPEN and newer.amount_paid == Decimal("30.00")
    second = payments.pay(newer, "30.00").payment
    assert second.receipt_number == first.receipt_number + 1
    assert newer.status == ObligationStatus.SETTLED


@pytest.mark.parametrize("method", ["bank", "yape", "plin"])
def test_non_cash_payments_credit_their_account_and_need_the_operation_number(payments, method):
    owed = payments.owe(amount="50.00")
    with pytest.raises(ReferenceRequired):
        payments.pay(owed, "50.00", method=method)
    payment = payments.pay(owed, "50.00", method=method, reference="OP-12345").payment
    entry = payments.build.session.get(JournalEntry, payment.entry_id)
    credited = {line.account.code for line in entry.lines if line.credit > 0}
    assert credited == {{"bank": "assets:bank", "yape": "assets:wallet:yape",
                         "plin": "assets:wallet:plin"}[method]}


def test_the_same_form_submitted_twice_makes_one_payment(payments):
    owed = payments.owe(amount="120.00")
    key = new_key()
    first = payments.pay(owed, "120.00", key=key)
    again = payments.pay(owed, "120.00", key=key)
    assert not first.replayed and again.replayed
    assert again.payment.id == first.payment.id
    assert count(Payment) == 1
    assert payments.build.session.scalar(
        select(func.count()).select_from(JournalEntry).where(JournalEntry.transfer_id == key)) == 1


# --- Bad input: refused with a clear message, nothing written ---------------------------------


def nothing_written(payments, before_payments: int, before_entries: int) -> bool:
    return count(Payment) == before_payments and count(JournalEntry) == before_entries


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00", "12.345", "abc", "", "1e3x"])
def test_zero_negative_or_over_precise_amounts_are_refused(payments, amount):
    owed = payments.owe(amount="120.00")
    before = count(Payment), count(JournalEntry)
    with pytest.raises(InvalidPaymentAmount) as refused:
        payments.pay(owed, amount)
    assert refused.value.field == "amount" and str(refused.value)
    assert nothing_written(payments, *before)


def test_overpayment_is_refused_with_what_is_still_owed(payments):
    owed = payments.owe(amount="120.00")
    payments.pay(owed, "100.00")
    before = count(Payment), count(JournalEntry)
    with pytest.raises(OverpaymentRefused, match=r"S/ 20\.00"):
        payments.pay(owed, "20.01")
    assert nothing_written(payments, *before)
    assert owed.amount_paid == Decimal("100.00")


def test_an_archived_payee_is_not_paid(payments, build):
    family = build.family(household_head="Familia Archivada")
    owed = payments.owe(family, "120.00")
    archive_record(family, None)
    before = count(Payment), count(JournalEntry)
    with pytest.raises(PayeeArchived, match="Familia Archivada"):
        payments.pay(owed, "120.00")
    assert nothing_written(payments, *before)


def test_a_voided_obligation_is_not_paid(payments):
    owed = payments.owe(amount="120.00")
    void_obligation(owed, payments.accountant.id, "trek cancelled")
    before = count(Payment), count(JournalEntry)
    with pytest.raises(ObligationVoided):
        payments.pay(owed, "120.00")
    assert nothing_written(payments, *before)


def test_another_payees_obligation_is_not_paid(payments, build):
    mine = payments.owe(build.family(), "120.00")
    theirs = payments.owe(build.family(), "80.00")
    with pytest.raises(ObligationNotPayable):
        payments.pay([mine, theirs], "200.00", payee=None)


def test_a_key_reused_for_another_payee_or_amount_is_refused(payments, build):
    key = new_key()
    first = payments.owe(build.family(), "120.00")
    payments.pay(first, "60.00", key=key)
    before = count(Payment), count(JournalEntry)
    with pytest.raises(IdempotencyKeyReused):
        payments.pay(payments.owe(build.family(), "80.00"), "60.00", key=key)  # another payee
    with pytest.raises(IdempotencyKeyReused):
        payments.pay(first, "50.00", key=key)  # another amount
    assert count(Payment) == before[0]


@pytest.mark.parametrize("key", ["", "not-a-uuid", "00000000-0000-1000-8000-000000000000"])
def test_a_forged_key_is_refused(payments, key):
    owed = payments.owe(amount="120.00")
    with pytest.raises(IdempotencyKeyInvalid):
        payments.pay(owed, "120.00", key=key or " ")


def test_a_payment_cannot_be_dated_in_the_future(payments):
    owed = payments.owe(amount="120.00")
    with pytest.raises(InvalidPaymentDate):
        payments.pay(owed, "120.00", payment_date=today_lima() + timedelta(days=1))


def test_every_payment_is_in_the_audit_trail(payments):
    payment = payments.pay(payments.owe(amount="120.00"), "120.00").payment
    actions = payments.build.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "payments",
                                        AuditEvent.entity_id == payment.id)).all()
    assert actions == ["post"]
