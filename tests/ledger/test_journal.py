"""The journal: balanced, append-only (in code and at the database), each transfer once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.clock import today_lima
from app.extensions import db
from app.ledger.models import AccountTotal, EntrySource, JournalEntry, JournalLine
from app.ledger.queries import money_sum
from app.ledger.services import (
    AlreadyReversed,
    DuplicateTransfer,
    InvalidAmount,
    LedgerError,
    LineSpec,
    NotReversible,
    UnbalancedEntry,
    cash_account,
    payable_account,
    post_entry,
    reverse_entry,
    system_account,
)
from app.ledger.verification import run_checks
from app.registries.models import PayeeKind, PaymentMethod
from tests.conftest import is_postgres

# Periods, ageing and "today" are computed from the clock: hold it still (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("frozen_clock")


def entry_count() -> int:
    return db.session.scalar(select(func.count(JournalEntry.id)))


def test_accountant_posts_a_balanced_entry_with_who_when_why(ledger):
    entry = ledger.accrual("180.50")
    assert entry.posted and entry.created_by_id == ledger.actor.id and entry.created_at
    assert [(line.debit, line.credit) for line in entry.lines] == [
        (Decimal("180.50"), Decimal("0.00")), (Decimal("0.00"), Decimal("180.50"))]
    assert entry.source_type == EntrySource.ADJUSTMENT and entry.memo == "homestay accrual"


@pytest.mark.parametrize("debit, credit, error", [
    ("100.00", "99.99", UnbalancedEntry),
    ("0", "0", InvalidAmount),
    ("-5.00", "-5.00", InvalidAmount),
    ("10.005", "10.005", InvalidAmount),
    ("abc", "abc", InvalidAmount),
])
def test_bad_entries_are_refused_and_nothing_is_written(ledger, build, debit, credit, error):
    family = build.family()
    before = entry_count()
    with pytest.raises(error):
        post_entry(today_lima(), "bad", [
            LineSpec(system_account("expenses:homestays"), debit=Decimal(debit) if debit != "abc" else debit),
            LineSpec(payable_account(PayeeKind.FAMILY, family.id), credit=Decimal(credit) if credit != "abc" else credit),
        ], EntrySource.ADJUSTMENT, None, ledger.actor.id)
    assert entry_count() == before


def test_an_entry_needs_two_lines_and_a_memo(ledger):
    cash = cash_account(PaymentMethod.CASH)
    with pytest.raises(UnbalancedEntry, match="two lines"):
        post_entry(today_lima(), "one line", [LineSpec(cash, debit=Decimal("1"))], "adjustment", None, None)
    with pytest.raises(LedgerError, match="memo"):
        post_entry(today_lima(), "  ", [LineSpec(cash, debit=Decimal("1")),
                                         LineSpec(cash_account(PaymentMethod.BANK), credit=Decimal("1"))],
                   "adjustment", None, None)


def test_a_line_is_a_debit_or_a_credit_not_both(ledger):
    cash, bank = cash_account(PaymentMethod.CASH), cash_account(PaymentMethod.BANK)
    with pytest.raises(InvalidAmount, match="not both"):
        post_entry(today_lima(), "both", [LineSpec(cash, debit=Decimal("5"), credit=Decimal("5")),
                                          LineSpec(bank, credit=Decimal("0"), debit=Decimal("0"))],
                   "adjustment", None, None)


def test_a_retry_with_the_same_transfer_id_posts_once(ledger, build):
    family = build.family()
    first = ledger.accrual("60.00", payee=family, transfer_id="client-42")
    count = entry_count()
    again = ledger.accrual("60.00", payee=family, transfer_id="client-42")
    assert again.id == first.id and entry_count() == count


def test_a_transfer_id_reused_for_another_entry_is_refused(ledger, build):
    family = build.family()
    ledger.accrual("60.00", payee=family, transfer_id="client-43")
    with pytest.raises(DuplicateTransfer, match="client-43"):
        ledger.accrual("61.00", payee=family, transfer_id="client-43")


def test_system_and_payable_accounts_exist_once(ledger, build):
    family = build.family(household_head="Juana Quispe Ñaupa")
    payable = payable_account(PayeeKind.FAMILY, family.id)
    assert payable_account(PayeeKind.FAMILY, family.id).id == payable.id
    assert payable.code == f"liabilities:payable:family:{family.id}"
    assert payable.name == "Juana Quispe Ñaupa"
    assert cash_account(PaymentMethod.YAPE).code == "assets:wallet:yape"
    with pytest.raises(LedgerError):
        payable_account(PayeeKind.STAFF, 999999)


# --- Reversals -------------------------------------------------------------------------------


def test_a_mistake_is_corrected_by_a_reversing_entry_once(ledger):
    entry = ledger.accrual("75.00")
    reversal = reverse_entry(entry, ledger.actor.id, "wrong family")
    assert reversal.reverses_entry_id == entry.id
    assert reversal.source_type == EntrySource.ADJUSTMENT
    assert {(line.account_id, line.debit, line.credit) for line in reversal.lines} == {
        (line.account_id, line.credit, line.debit) for line in entry.lines}
    with pytest.raises(AlreadyReversed, match=f"#{reversal.id}"):
        reverse_entry(entry, ledger.actor.id, "again")
    with pytest.raises(NotReversible, match="itself a reversal"):
        reverse_entry(reversal, ledger.actor.id, "undo the undo")


def test_reversing_needs_a_reason(ledger):
    with pytest.raises(LedgerError, match="why"):
        reverse_entry(ledger.accrual(), ledger.actor.id, " ")


# --- The database guards the journal ---------------------------------------------------------


def refused_by_database(statement: str, **params) -> str:
    """Run raw SQL in a savepoint; return the database's error message (fails if it succeeds)."""
    with pytest.raises(DBAPIError) as caught:
        with db.session.begin_nested():
            db.session.execute(text(statement), params)
    return str(caught.value.orig)


def test_update_or_delete_on_posted_lines_fails_at_the_database(ledger):
    entry = ledger.accrual("90.00")
    line_id = entry.lines[0].id
    assert "append-only" in refused_by_database("UPDATE journal_lines SET debit = 1 WHERE id = :id", id=line_id)
    assert "append-only" in refused_by_database("DELETE FROM journal_lines WHERE id = :id", id=line_id)
    assert "append-only" in refused_by_database(
        "UPDATE journal_entries SET memo = 'edited' WHERE id = :id", id=entry.id)
    assert "append-only" in refused_by_database("DELETE FROM journal_entries WHERE id = :id", id=entry.id)
    assert "append-only" in refused_by_database(
        "UPDATE journal_entries SET posted = :no WHERE id = :id", id=entry.id, no=False)
    db.session.expire_all()
    assert db.session.get(JournalLine, line_id).debit == Decimal("90.00")


def test_the_database_refuses_unbalanced_or_sneaked_in_entries(ledger):
    entry = ledger.accrual("90.00")
    account_id = entry.lines[0].account_id
    insert_entry = ("INSERT INTO journal_entries (entry_date, memo, source_type, transfer_id, created_at, posted) "
                    "VALUES (:day, 'raw', 'adjustment', :tid, CURRENT_TIMESTAMP, :posted)")
    assert "inserted unposted" in refused_by_database(insert_entry, day=today_lima(), tid="raw-1", posted=True)
    assert "cannot be added" in refused_by_database(
        "INSERT INTO journal_lines (entry_id, account_id, debit, credit) VALUES (:e, :a, 100, 0)",
        e=entry.id, a=account_id)
    # A draft with one unbalanced line cannot be flipped to posted.
    with db.session.begin_nested():
        db.session.execute(text(insert_entry), {"day": today_lima(), "tid": "raw-2", "posted": False})
        draft = db.session.scalar(text("SELECT id FROM journal_entries WHERE transfer_id = 'raw-2'"))
        db.session.execute(text("INSERT INTO journal_lines (entry_id, account_id, debit, credit) "
                                "VALUES (:e, :a, 100, 0)"), {"e": draft, "a": account_id})
        message = refused_by_database("UPDATE journal_entries SET posted = :yes WHERE id = :id",
                                      id=draft, yes=True)
        assert "debits equal its credits" in message
        if is_postgres():
            # And at commit (the deferred constraint trigger) an unposted draft is refused too.
            assert "debits equal its credits" in refused_by_database("SET CONSTRAINTS ALL IMMEDIATE")
        db.session.rollback()


def test_line_check_constraint_one_side_positive(ledger):
    entry = ledger.accrual()
    with db.session.begin_nested():
        db.session.execute(text(
            "INSERT INTO journal_entries (entry_date, memo, source_type, transfer_id, created_at, posted) "
            "VALUES (:day, 'raw', 'adjustment', 'raw-3', CURRENT_TIMESTAMP, :no)"), {"day": date.today(), "no": False})
        draft = db.session.scalar(text("SELECT id FROM journal_entries WHERE transfer_id = 'raw-3'"))
        message = refused_by_database(
            "INSERT INTO journal_lines (entry_id, account_id, debit, credit) VALUES (:e, :a, 5, 5)",
            e=draft, a=entry.lines[0].account_id)
        assert "one_side_positive" in message
        db.session.rollback()


def test_the_database_keeps_each_accounts_totals_as_lines_are_posted(ledger, build):
    family = build.family()
    payable = payable_account(PayeeKind.FAMILY, family.id)
    ledger.accrual("90.00", payee=family)
    ledger.accrual("30.50", payee=family)
    reverse_entry(ledger.accrual("12.00", payee=family), ledger.actor.id, "typed twice")
    db.session.flush()
    kept = db.session.get(AccountTotal, payable.id)
    db.session.refresh(kept)
    lines = db.session.execute(select(money_sum(JournalLine.debit), money_sum(JournalLine.credit),
                                      func.count()).where(JournalLine.account_id == payable.id)).one()
    assert (kept.debit, kept.credit, kept.line_count) == (Decimal("12.00"), Decimal("132.50"), 4) == tuple(lines)
    assert run_checks()["account_totals"] == []


def test_verify_names_an_account_whose_kept_totals_were_tampered_with(ledger):
    entry = ledger.accrual("90.00")
    account_id = entry.lines[1].account_id
    # Stored in céntimos: 100 is S/ 1.00 more than the lines hold.
    db.session.execute(text("UPDATE account_totals SET credit = credit + 100 WHERE account_id = :id"),
                       {"id": account_id})
    problems = run_checks()["account_totals"]
    code = db.session.scalar(text("SELECT code FROM accounts WHERE id = :id"), {"id": account_id})
    assert len(problems) == 1 and problems[0].startswith(code) and "S/ 91.00" in problems[0]
