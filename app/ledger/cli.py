"""`flask ledger export|balances|verify`: the ledger from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.ledger.exporting import BALANCE_COLUMNS, export_table, hledger_text, write_csv
from app.ledger.queries import account_balances
from app.ledger.verification import run_checks

ledger_cli = AppGroup("ledger", help="Export, list balances of and verify the community ledger.")


@ledger_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["hledger", "csv", "xlsx"]), required=True)
@click.option("--table", type=click.Choice(["journal", "balances", "obligations"]), default="journal",
              show_default=True, help="What to export as csv/xlsx (hledger is always the journal).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def export_command(fmt: str, table: str, output: str) -> None:
    """Write the journal (or balances, obligations) to FILE as hledger, CSV or XLSX."""
    target = Path(output)
    if fmt == "hledger":
        target.write_text(hledger_text(), encoding="utf-8")
    else:
        target.write_bytes(export_table(table, fmt))
    click.echo(f"wrote {target}", err=True)


@ledger_cli.command("balances")
def balances_command() -> None:
    """Print every account's debits, credits and balance (debits minus credits) as CSV."""
    write_csv(account_balances(), BALANCE_COLUMNS, sys.stdout)


@ledger_cli.command("verify")
def verify_command() -> None:
    """Recompute the ledger from its lines; exit non-zero naming any discrepancy."""
    results = run_checks()
    failed = False
    for name, problems in results.items():
        if problems:
            failed = True
            for problem in problems:
                click.echo(f"FAIL {name}: {problem}")
        else:
            click.echo(f"ok   {name}")
    if failed:
        raise SystemExit(1)
