"""Batch runs in bulk, and `flask ledger verify` watching the receipt sequence."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from app.accounts.roles import Role
from app.clock import today_lima
from app.demo.payments import seed_payments
from app.extensions import db
from app.ledger.models import EntrySource, Obligation, ObligationStatus, ServiceKind
from app.ledger.services import post_services
from app.ledger.verification import run_checks
from app.payments.errors import IdempotencyKeyReused, NothingToPay
from app.payments.models import Payment, PaymentStatus
from app.payments.services import preview_batch, run_batch, void_payment
from app.registries.models import PayeeKind
from app.registries.services import archive_record
from tests.payments.conftest import Delivered, new_key

# They call services directly, and compute periods and ageing from a clock held still.
pytestmark = pytest.mark.usefixtures("frozen_clock", "ctx")


def owe_in_bulk(payments, build, payees: int, per_payee: int, community, rate: str = "30.00") -> None:
    """`payees` families of `community`, each owed `per_payee` homestay nights at `rate` (one entry)."""
    day = today_lima() - timedelta(days=3)
    services = []
    for _ in range(payees):
        family = build.family(community)
        services += [Delivered(ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY, family.id, community.id, 1,
                               day - timedelta(days=n % 3), Decimal(rate)) for n in range(per_payee)]
    post_services(services, entry_date=day, trek_end_date=day, memo="season", source_type=EntrySource.ADJUSTMENT,
                  source_id=None, departure_id=None, actor_id=payments.accountant.id)


def test_a_batch_run_of_1000_obligations_pays_each_payee_once(payments, build, count_queries):
    """Its time is measured by `make bench` (timed tests flake on a busy machine); here, its result."""
    community = build.community(name="Huacahuasi")
    owe_in_bulk(payments, build, payees=40, per_payee=25, community=community)
    assert db.session.scalar(select(func.count()).select_from(Obligation)
                             .where(Obligation.status == ObligationStatus.OPEN)) >= 1000
    with count_queries() as preview_queries:
        preview = preview_batch(community.id, today_lima())
    assert preview.obligation_count == 1000 and len(preview_queries) <= 4
    batch = run_batch(community_id=community.id, cutoff=today_lima(), idempotency_key=new_key(),
                      actor_id=payments.accountant.id).batch
    db.session.flush()
    assert batch.payment_count == 40 and batch.total == Decimal("30000.00")
    assert all(p.status == PaymentStatus.POSTED for p in batch.payments)  # 25 x S/ 30: under the threshold
    assert db.session.scalar(select(func.count()).select_from(Obligation)
                             .where(Obligation.status == ObligationStatus.OPEN)) == 0
    assert {name: problems for name, problems in run_checks().items() if problems} == {}


def test_batch_payments_above_the_threshold_wait_for_approval_and_the_rest_post(payments, build):
    community = build.community()
    small, large = build.family(community), build.family(community)
    payments.owe(small, "300.00")
    payments.owe_many(large, ["900.00", "600.00"])
    batch = run_batch(community_id=community.id, cutoff=today_lima(), idempotency_key=new_key(),
                      actor_id=payments.accountant.id).batch
    by_payee = {p.payee_id: p for p in batch.payments}
    assert by_payee[small.id].status == PaymentStatus.POSTED
    assert by_payee[large.id].status == PaymentStatus.PENDING and by_payee[large.id].amount == Decimal("1500.00")


def test_a_batch_leaves_out_archived_payees_and_what_is_reserved(payments, build):
    community = build.community()
    gone, here = build.family(community), build.family(community)
    payments.owe(gone, "60.00")
    owed = payments.owe(here, "1200.00")
    payments.pay(owed, "1100.00")  # pending: reserves 1,100
    archive_record(gone, None)
    preview = preview_batch(community.id, today_lima())
    assert [(line.payee.id, line.amount) for line in preview.lines] == [(here.id, Decimal("100.00"))]
    assert [line.payee.id for line in preview.archived] == [gone.id]


def test_a_batch_with_nothing_owed_is_refused_and_a_reused_key_too(payments, build):
    community = build.community()
    with pytest.raises(NothingToPay):
        run_batch(community_id=community.id, cutoff=today_lima(), idempotency_key=new_key(),
                  actor_id=payments.accountant.id)
    payments.owe(build.family(community), "60.00")
    key = new_key()
    run_batch(community_id=community.id, cutoff=today_lima(), idempotency_key=key, actor_id=payments.accountant.id)
    again = run_batch(community_id=community.id, cutoff=today_lima(), idempotency_key=key,
                      actor_id=payments.accountant.id)
    assert again.replayed
    with pytest.raises(IdempotencyKeyReused):
        run_batch(community_id=None, cutoff=today_lima(), idempotency_key=key, actor_id=payments.accountant.id)


def test_verify_passes_with_voids_and_names_a_gap_in_the_receipts(payments, build):
    first = payments.pay(payments.owe(amount="60.00"), "60.00").payment
    second = payments.pay(payments.owe(amount="70.00"), "70.00").payment
    void_payment(first, payments.accountant.id, "wrong family")
    assert run_checks()["receipt_sequence"] == []
    assert run_checks()["payments_match_journal"] == []
    # Someone renumbers a receipt by hand: verify names the gap.
    number = second.receipt_number
    db.session.execute(update(Payment).where(Payment.id == second.id).values(receipt_number=number + 5))
    problems = run_checks()["receipt_sequence"]
    assert any(p.startswith(f"receipt numbers missing from the sequence: {number}, ") for p in problems)


def test_demo_payments_pay_some_in_full_some_partly_leave_one_pending_and_void_one(payments, build):
    build.user(role=Role.ADMIN)
    assert payments.accountant.role == Role.ACCOUNTANT  # the demo pays as the first accountant
    for n in range(6):
        payments.owe(build.family(), f"{60 * (n + 1)}.00")
    payments.owe_many(build.family(), ["900.00", "600.00"])  # S/ 1,500: above the threshold
    made = seed_payments(random.Random(2026))
    statuses = [p.status for p in made]
    assert statuses.count(PaymentStatus.PENDING) == 1
    assert statuses.count(PaymentStatus.VOIDED) == 1
    assert any(p.status == PaymentStatus.POSTED and p.amount < sum(a.obligation.amount for a in p.allocations)
               for p in made)  # a partial payment
    assert {name: problems for name, problems in run_checks().items() if problems} == {}
