"""Seeing the ledger: payables with ageing, statements, balances, exports, hledger, verify."""

from __future__ import annotations

import csv
import io
import subprocess
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select, text

from app.clock import today_lima
from app.extensions import db
from app.ledger.exporting import export_table
from app.ledger.models import Obligation, ServiceKind
from app.ledger.queries import (
    account_balances,
    community_statement,
    outstanding_total,
    payable_rows,
    payables_by_community,
    payables_query,
    payee_statement,
)
from app.ledger.services import payable_account, post_departure
from app.ledger.verification import CHECKS, register_check, run_checks
from tests.ledger.conftest import COMPLETED_DEPARTURE_TOTAL, settle
from tests.tools import require_tool


def porter_obligation(departure) -> Obligation:
    return db.session.scalars(select(Obligation).where(
        Obligation.departure_id == departure.id, Obligation.service == ServiceKind.PORTER_DAY)).one()


def test_payables_show_who_is_owed_since_when_and_flag_late_porters(ledger, completed_departure):
    old = completed_departure(days_ago=5)
    recent = completed_departure(days_ago=1)
    post_departure(old, ledger.actor.id)
    post_departure(recent, ledger.actor.id)
    rows = payable_rows(db.session.execute(payables_query()))
    assert sum(row.outstanding for row in rows) == 2 * COMPLETED_DEPARTURE_TOTAL == outstanding_total()
    porters = [row for row in rows if row.oldest_porter_trek_end is not None]
    assert sorted((row.age_days, row.porter_overdue) for row in porters) == [(1, False), (5, True)]
    late = payable_rows(db.session.execute(payables_query(overdue_porters_only=True)))
    assert [row.payee_id for row in late] == [porter_obligation(old).payee_id]
    settle(porter_obligation(old), Decimal("495.00"))
    assert payable_rows(db.session.execute(payables_query(overdue_porters_only=True))) == []
    assert outstanding_total() == 2 * COMPLETED_DEPARTURE_TOTAL - Decimal("495.00")


def test_payables_by_community_add_up_to_the_total(ledger, completed_departure):
    post_departure(completed_departure(), ledger.actor.id)
    communities = payables_by_community()
    assert sum(row.outstanding for row in communities) == outstanding_total()
    assert all(row.payees >= 1 for row in communities)


def test_a_family_statement_shows_accrued_paid_and_running_balance(ledger, completed_departure):
    departure = completed_departure()
    post_departure(departure, ledger.actor.id)
    obligation = db.session.scalars(select(Obligation).where(
        Obligation.departure_id == departure.id, Obligation.service == ServiceKind.HOMESTAY_NIGHT)).first()
    account = payable_account(obligation.payee_kind, obligation.payee_id)
    settle(obligation, Decimal("100.00"))
    settle(obligation, Decimal("80.00"))
    statement = payee_statement(account)
    assert [(line.accrued, line.paid, line.balance) for line in statement.lines] == [
        (Decimal("180.00"), Decimal("0.00"), Decimal("180.00")),
        (Decimal("0.00"), Decimal("100.00"), Decimal("80.00")),
        (Decimal("0.00"), Decimal("80.00"), Decimal("0.00")),
    ]
    assert (statement.accrued, statement.paid, statement.balance) == (
        Decimal("180.00"), Decimal("180.00"), Decimal("0.00"))
    later = payee_statement(account, date_from=today_lima())
    assert later.opening + later.accrued - later.paid == later.balance == Decimal("0.00")


def test_a_community_statement_gathers_its_families_weavers_and_itself(ledger, completed_departure):
    departure = completed_departure()
    post_departure(departure, ledger.actor.id)
    family_obligation = db.session.scalars(select(Obligation).where(
        Obligation.departure_id == departure.id, Obligation.service == ServiceKind.HOMESTAY_NIGHT)).first()
    community_id = family_obligation.community_id
    statement = community_statement(community_id)
    # Huacahuasi: a family's night (180), the weavers' workshop (75), its visitor fee (30).
    assert statement.accrued == Decimal("285.00") and statement.balance == Decimal("285.00")
    assert len({line.payee_name for line in statement.lines}) == 3


def test_journal_balances_and_obligations_export_as_csv_and_xlsx(ledger, completed_departure):
    post_departure(completed_departure(), ledger.actor.id)
    journal = list(csv.DictReader(io.StringIO(export_table("journal", "csv").decode("utf-8-sig"))))
    assert sum(Decimal(row["debit"]) for row in journal) == COMPLETED_DEPARTURE_TOTAL
    assert sum(Decimal(row["credit"]) for row in journal) == COMPLETED_DEPARTURE_TOTAL
    workbook = load_workbook(io.BytesIO(export_table("obligations", "xlsx")))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    amounts = [row[header.index("amount")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sum(Decimal(str(amount)) for amount in amounts) == COMPLETED_DEPARTURE_TOTAL
    balances = load_workbook(io.BytesIO(export_table("balances", "xlsx"))).active
    assert balances["A1"].value == "account" and balances.max_row > 2


def cli_balances(app) -> dict[str, Decimal]:
    result = app.test_cli_runner().invoke(args=["ledger", "balances"])
    assert result.exit_code == 0, result.output
    return {row["account"]: Decimal(row["balance"]) for row in csv.DictReader(io.StringIO(result.output))}


def hledger_balances(path) -> dict[str, Decimal]:
    output = subprocess.run([require_tool("hledger"), "-f", str(path), "balance", "--flat", "--no-total", "-O", "csv"],
                            check=True, capture_output=True, text=True).stdout
    balances = {}
    for row in csv.DictReader(io.StringIO(output)):
        amount = row["balance"].replace("PEN", "").replace(",", "").strip()
        balances[row["account"]] = Decimal(amount)
    return balances


def test_hledger_reads_the_export_with_the_same_balances(app, ledger, completed_departure, tmp_path):
    post_departure(completed_departure(days_ago=4), ledger.actor.id)
    departure = completed_departure(days_ago=2, rates=False)
    entry = post_departure(departure, ledger.actor.id)
    settle(porter_obligation(departure), Decimal("200.00"))
    from app.ledger.services import reverse_entry, void_obligation

    homestay = db.session.scalars(select(Obligation).where(
        Obligation.departure_id == departure.id, Obligation.service == ServiceKind.HOMESTAY_NIGHT)).first()
    void_obligation(homestay, ledger.actor.id, "family away; guests slept elsewhere")
    ledger.accrual("12.34")
    reverse_entry(ledger.accrual("99.99"), ledger.actor.id, "typo")
    assert entry.id
    path = tmp_path / "ledger.journal"
    result = app.test_cli_runner().invoke(args=["ledger", "export", "--format", "hledger", "-o", str(path)])
    assert result.exit_code == 0, result.output
    ours = {code: balance for code, balance in cli_balances(app).items() if balance}
    assert ours == hledger_balances(path)
    assert len(ours) > 10


def test_verify_passes_on_a_sound_ledger_and_names_a_discrepancy(app, ledger, completed_departure):
    departure = completed_departure()
    post_departure(departure, ledger.actor.id)
    settle(porter_obligation(departure), Decimal("100.00"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "ok   entries_balance" in result.output
    # Paying without the books noticing (the obligation says more was paid than the ledger shows).
    obligation = porter_obligation(departure)
    db.session.execute(text("UPDATE obligations SET amount_paid = amount_paid + 1000 WHERE id = :id"),
                       {"id": obligation.id})
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"liabilities:payable:staff:{obligation.payee_id}" in result.output


def test_other_capabilities_add_their_own_checks(app, ledger):
    @register_check("test_extra")
    def always_wrong() -> list[str]:
        return ["receipt 7 is missing"]

    try:
        assert run_checks()["test_extra"] == ["receipt 7 is missing"]
        result = app.test_cli_runner().invoke(args=["ledger", "verify"])
        assert result.exit_code == 1 and "FAIL test_extra: receipt 7 is missing" in result.output
    finally:
        CHECKS.pop("test_extra")


def test_balances_are_exact_to_the_centimo(ledger):
    for amount in ("0.10", "0.20", "0.01", "1234567.89"):
        ledger.accrual(amount)
    homestays = next(row for row in account_balances() if row.code == "expenses:homestays")
    assert homestays.balance == Decimal("1234568.20")
