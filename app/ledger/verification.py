"""`flask ledger verify`: recompute the ledger from its lines and name every discrepancy.

Checks live in a registry so another capability can add its own without the ledger importing
it: `@register_check("receipt_sequence")` on a function returning a list of problems (strings).
A check registered again under the same name replaces the earlier one (payments replaces the
generic receipt-sequence check below with its own).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import func, inspect, select, text

from app.extensions import db
from app.ledger.models import (
    Account,
    AccountTotal,
    JournalEntry,
    JournalLine,
    Obligation,
    ObligationStatus,
)
from app.ledger.queries import account_balances, money_sum
from app.money import format_money

Check = Callable[[], list[str]]
CHECKS: dict[str, Check] = {}


def register_check(name: str) -> Callable[[Check], Check]:
    """Add (or replace) a named verification check."""

    def decorate(check: Check) -> Check:
        CHECKS[name] = check
        return check

    return decorate


def run_checks() -> dict[str, list[str]]:
    """Run every registered check: {check name: problems found} (empty lists when all is well)."""
    return {name: check() for name, check in CHECKS.items()}


@register_check("entries_balance")
def entries_balance() -> list[str]:
    """Every entry is posted, has two or more lines, and its debits equal its credits."""
    rows = db.session.execute(
        select(JournalEntry.id, JournalEntry.posted, func.count(JournalLine.id),
               money_sum(JournalLine.debit), money_sum(JournalLine.credit))
        .outerjoin(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.posted)
        .having((func.count(JournalLine.id) < 2)
                | (func.coalesce(func.sum(JournalLine.debit), 0) != func.coalesce(func.sum(JournalLine.credit), 0))
                | (JournalEntry.posted.is_(False)))
        .order_by(JournalEntry.id)
    )
    problems = []
    for entry_id, posted, lines, debits, credits in rows:
        if not posted:
            problems.append(f"entry #{entry_id} is not posted (a draft left behind)")
        if lines < 2 or debits != credits:
            problems.append(f"entry #{entry_id} does not balance: {lines} lines, "
                            f"debits {debits}, credits {credits}")
    return problems


@register_check("trial_balance")
def trial_balance() -> list[str]:
    """All balances recomputed from the lines sum to zero."""
    balances = account_balances()
    total = sum((row.balance for row in balances), Decimal("0.00"))
    return [] if total == 0 else [f"account balances sum to {total}, not zero"]


@register_check("account_totals")
def account_totals_match_lines() -> list[str]:
    """The totals the database keeps per account equal its lines summed afresh."""
    kept = {account_id: (debit, credit, count) for account_id, debit, credit, count in db.session.execute(
        select(AccountTotal.account_id, AccountTotal.debit, AccountTotal.credit, AccountTotal.line_count))}
    problems = []
    for row in account_balances(only_used=True):
        debit, credit, count = kept.pop(row.account_id, (Decimal("0.00"), Decimal("0.00"), 0))
        if (debit, credit) != (row.debit, row.credit):
            problems.append(f"{row.code}: kept totals debit {format_money(debit)} / credit "
                            f"{format_money(credit)}, its lines sum to {format_money(row.debit)} / "
                            f"{format_money(row.credit)}")
    for account_id, (debit, credit, count) in sorted(kept.items()):
        if count or debit or credit:
            problems.append(f"account #{account_id} has kept totals but no lines")
    return problems


@register_check("payables_match_obligations")
def payables_match_obligations() -> list[str]:
    """Each payee's account balance equals its obligations' unpaid amounts; none below zero."""
    owed_by_books = {
        (payee_kind, payee_id): owed
        for payee_kind, payee_id, owed in db.session.execute(
            select(Account.payee_kind, Account.payee_id, money_sum(JournalLine.credit - JournalLine.debit))
            .join(JournalLine, JournalLine.account_id == Account.id)
            .where(Account.payee_kind.is_not(None))
            .group_by(Account.payee_kind, Account.payee_id)
        )
    }
    owed_by_obligations = dict(
        ((kind, payee_id), owed) for kind, payee_id, owed in db.session.execute(
            select(Obligation.payee_kind, Obligation.payee_id,
                   money_sum(Obligation.amount - Obligation.amount_paid))
            .where(Obligation.status != ObligationStatus.VOIDED)
            .group_by(Obligation.payee_kind, Obligation.payee_id)
        )
    )
    problems = []
    for (payee_kind, payee_id), owed in sorted(owed_by_books.items(), key=str):
        expected = owed_by_obligations.pop((payee_kind, payee_id), Decimal("0.00"))
        label = f"liabilities:payable:{payee_kind.value}:{payee_id}"
        if owed < 0:
            problems.append(f"{label} is below zero: {format_money(owed)} (overpaid)")
        if owed != expected:
            problems.append(f"{label} balance {format_money(owed)} differs from its open obligations "
                            f"{format_money(expected)}")
    for (payee_kind, payee_id), expected in owed_by_obligations.items():
        if expected:
            problems.append(f"obligations owe {payee_kind.value} {payee_id} {format_money(expected)} "
                            "but the ledger has no such payable")
    return problems


@register_check("receipt_sequence")
def receipt_sequence() -> list[str]:
    """If payments exist: their receipt numbers run 1, 2, 3... with no gap (by trailing digits)."""
    inspector = inspect(db.session.connection())
    if not inspector.has_table("payments"):
        return []
    if "receipt_number" not in {column["name"] for column in inspector.get_columns("payments")}:
        return []
    numbers = sorted(
        int(match.group(1))
        for (value,) in db.session.execute(text(
            "SELECT receipt_number FROM payments WHERE receipt_number IS NOT NULL"))
        if (match := re.search(r"(\d+)\D*$", str(value)))
    )
    missing = sorted(set(range(1, (numbers[-1] if numbers else 0) + 1)) - set(numbers))
    duplicates = sorted(n for n, times in Counter(numbers).items() if times > 1)
    problems = []
    if missing:
        problems.append("receipt numbers missing from the sequence: " + ", ".join(map(str, missing[:20])))
    if duplicates:
        problems.append("receipt numbers used twice: " + ", ".join(map(str, duplicates[:20])))
    return problems
