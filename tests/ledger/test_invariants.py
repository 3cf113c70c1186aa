"""Random sequences of post / partial settle / void / reverse / close month / bad input keep
the ledger's invariants after every step: every entry balances, balances equal the sum of
their lines, no payable below zero or out of step with its obligations, `verify` passes.

Settlements are simulated as payments will make them (debit payable, credit cash, record the
amount paid on the obligation); payments' own property test covers its service.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.clock import today_lima
from app.extensions import db
from app.ledger.models import EntrySource, JournalEntry, JournalLine, Obligation, ObligationStatus
from app.ledger.queries import account_balances
from app.ledger.services import (
    LedgerError,
    PeriodClosed,
    close_period,
    is_period_closed,
    post_services,
    reverse_entry,
    void_obligation,
)
from app.ledger.verification import run_checks
from tests.ledger.conftest import LedgerBuilders, last_month_day, settle

CENTIMOS = st.integers(min_value=1, max_value=50_000)


def build_machine(build):
    class LedgerMachine(RuleBasedStateMachine):
        """One example = one savepoint, rolled back at teardown."""

        def __init__(self) -> None:
            super().__init__()
            self.savepoint = db.session.begin_nested()
            self.ledger = LedgerBuilders(build)

        @initialize()
        def payees_and_rates(self) -> None:
            self.ledger.rate_card()
            self.families = [build.family() for _ in range(3)]

        def _count(self) -> int:
            return db.session.scalar(select(func.count(JournalEntry.id)))

        @rule(family=st.integers(0, 2), nights=st.integers(1, 6), last_month=st.booleans())
        def post(self, family, nights, last_month) -> None:
            day = last_month_day() if last_month else today_lima()
            services = [self.ledger.homestay(self.families[family], nights=nights, day=day)]
            before = self._count()
            try:
                post_services(services, entry_date=day, trek_end_date=day, memo="trek",
                              source_type=EntrySource.ADJUSTMENT, source_id=None, departure_id=None,
                              actor_id=None)
            except PeriodClosed:
                assert is_period_closed(day) and self._count() == before
            else:
                assert not is_period_closed(day) and self._count() == before + 1

        @rule(pick=st.integers(0, 10_000), centimos=CENTIMOS)
        def settle_part(self, pick, centimos) -> None:
            open_ = db.session.scalars(select(Obligation).where(Obligation.status == ObligationStatus.OPEN)
                                       .order_by(Obligation.id)).all()
            if not open_:
                return
            obligation = open_[pick % len(open_)]
            amount = min(Decimal(centimos) / 100, obligation.amount - obligation.amount_paid)
            settle(obligation, amount)
            db.session.flush()

        @rule(pick=st.integers(0, 10_000))
        def void(self, pick) -> None:
            obligations = db.session.scalars(select(Obligation).order_by(Obligation.id)).all()
            if not obligations:
                return
            obligation = obligations[pick % len(obligations)]
            voidable = obligation.status == ObligationStatus.OPEN and obligation.amount_paid == 0
            before = self._count()
            try:
                void_obligation(obligation, None, "property test")
            except LedgerError:
                assert not voidable and self._count() == before
            else:
                assert voidable and obligation.status == ObligationStatus.VOIDED

        @rule(pick=st.integers(0, 10_000))
        def reverse(self, pick) -> None:
            entries = db.session.scalars(select(JournalEntry).where(
                JournalEntry.source_type != EntrySource.PAYMENT).order_by(JournalEntry.id)).all()
            if not entries:
                return
            before = self._count()
            try:
                reverse_entry(entries[pick % len(entries)], None, "property test")
            except LedgerError:
                assert self._count() == before
            else:
                assert self._count() == before + 1

        @rule()
        def close_last_month(self) -> None:
            day = last_month_day()
            if is_period_closed(day):
                return
            close_period(day.year, day.month, self.ledger.actor.id)

        @rule(amount=st.sampled_from(["0", "-1.00", "10.001", "NaN"]))
        def bad_amount_is_refused(self, amount) -> None:
            before = self._count()
            try:
                self.ledger.accrual(amount)
            except LedgerError:
                pass
            assert self._count() == before

        @invariant()
        def books_hold(self) -> None:
            problems = {name: found for name, found in run_checks().items() if found}
            assert problems == {}
            lines = db.session.execute(select(JournalLine.account_id, JournalLine.debit, JournalLine.credit)).all()
            for balance in account_balances():
                mine = [(d, c) for account_id, d, c in lines if account_id == balance.account_id]
                assert balance.debit == sum((d for d, _c in mine), Decimal("0.00"))
                assert balance.credit == sum((c for _d, c in mine), Decimal("0.00"))
                if balance.code.startswith("liabilities:payable:"):
                    assert balance.credit - balance.debit >= 0

        def teardown(self) -> None:
            self.savepoint.rollback()
            # SQLite reuses the rolled-back ids: forget every object of this example.
            db.session.expunge_all()

    return LedgerMachine


@pytest.mark.long
def test_random_ledger_histories_keep_the_invariants(ctx, build):
    run_state_machine_as_test(build_machine(build), settings=settings(
        max_examples=30, stateful_step_count=15, deadline=None, phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))
