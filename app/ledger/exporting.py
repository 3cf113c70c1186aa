"""Exports: any table as CSV or XLSX (rows + columns), and the journal as an hledger file.

`write_csv` / `write_xlsx` take plain rows and a list of `Column`s, so other capabilities
(payments) reuse them for their own tables.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.ledger.models import JournalEntry, Obligation
from app.ledger.queries import account_balances, payee_columns

MONEY_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Column:
    """One exported column: its header and how to read the value from a row."""

    header: str
    value: Callable[[Any], Any]
    money: bool = False


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "value") and not isinstance(value, (Decimal, date, datetime)):
        return value.value  # enums
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_csv(rows: Iterable[Any], columns: Sequence[Column], stream: IO[str]) -> None:
    """Rows as UTF-8 CSV with a header line; money as plain `1234.50`."""
    writer = csv.writer(stream)
    writer.writerow([column.header for column in columns])
    for row in rows:
        writer.writerow([str(_plain(column.value(row))) for column in columns])


def csv_bytes(rows: Iterable[Any], columns: Sequence[Column]) -> bytes:
    """The CSV as bytes (UTF-8 with a BOM, so spreadsheets read accents right)."""
    buffer = io.StringIO()
    write_csv(rows, columns, buffer)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable[Any], columns: Sequence[Column], title: str = "Export") -> bytes:
    """Rows as an XLSX workbook: bold header, money as numbers with two decimals."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([column.header for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = []
        for column in columns:
            value = column.value(row)
            values.append(value if isinstance(value, (Decimal, int)) else _plain(value))
        sheet.append(values)
    for index, column in enumerate(columns, start=1):
        if column.money:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = MONEY_FORMAT
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- What the ledger exports -------------------------------------------------------------------


def journal_lines_rows() -> list[tuple[JournalEntry, Any]]:
    """(entry, line) pairs in date order (two queries)."""
    entries = db.session.scalars(
        select(JournalEntry).options(selectinload(JournalEntry.lines))
        .order_by(JournalEntry.entry_date, JournalEntry.id)
    ).all()
    return [(entry, line) for entry in entries for line in entry.lines]


JOURNAL_COLUMNS = [
    Column("date", lambda r: r[0].entry_date),
    Column("entry", lambda r: r[0].id),
    Column("transfer_id", lambda r: r[0].transfer_id),
    Column("source", lambda r: r[0].source_type),
    Column("source_id", lambda r: r[0].source_id),
    Column("reverses", lambda r: r[0].reverses_entry_id),
    Column("adjusts", lambda r: r[0].adjusts_entry_id),
    Column("memo", lambda r: r[0].memo),
    Column("account", lambda r: r[1].account.code),
    Column("account_name", lambda r: r[1].account.name),
    Column("description", lambda r: r[1].description),
    Column("debit", lambda r: r[1].debit, money=True),
    Column("credit", lambda r: r[1].credit, money=True),
    Column("created_by", lambda r: r[0].created_by.email if r[0].created_by else None),
    Column("created_at", lambda r: r[0].created_at),
]

BALANCE_COLUMNS = [
    Column("account", lambda r: r.code),
    Column("name", lambda r: r.name),
    Column("kind", lambda r: r.kind),
    Column("debit", lambda r: r.debit, money=True),
    Column("credit", lambda r: r.credit, money=True),
    Column("balance", lambda r: r.balance, money=True),
]


def obligation_rows() -> list[tuple[Obligation, str]]:
    """(obligation, payee name) in date order (one query)."""
    payee = payee_columns()
    query = payee.join(select(Obligation, payee.name), Obligation.payee_kind, Obligation.payee_id)
    return db.session.execute(query.order_by(Obligation.trek_end_date, Obligation.id)).all()


OBLIGATION_COLUMNS = [
    Column("obligation", lambda r: r[0].id),
    Column("departure_id", lambda r: r[0].departure_id),
    Column("trek_end_date", lambda r: r[0].trek_end_date),
    Column("service_date", lambda r: r[0].service_date),
    Column("payee_kind", lambda r: r[0].payee_kind),
    Column("payee_id", lambda r: r[0].payee_id),
    Column("payee", lambda r: r[1]),
    Column("service", lambda r: r[0].service),
    Column("quantity", lambda r: r[0].quantity),
    Column("unit_rate", lambda r: r[0].unit_rate, money=True),
    Column("amount", lambda r: r[0].amount, money=True),
    Column("paid", lambda r: r[0].amount_paid, money=True),
    Column("outstanding", lambda r: r[0].outstanding, money=True),
    Column("status", lambda r: r[0].status),
    Column("entry", lambda r: r[0].entry_id),
]

TABLES: dict[str, tuple[Callable[[], Iterable[Any]], list[Column]]] = {
    "journal": (journal_lines_rows, JOURNAL_COLUMNS),
    "balances": (account_balances, BALANCE_COLUMNS),
    "obligations": (obligation_rows, OBLIGATION_COLUMNS),
}


def export_table(name: str, fmt: str) -> bytes:
    """One of TABLES as `csv` or `xlsx` bytes."""
    rows_of, columns = TABLES[name]
    rows = rows_of()
    if fmt == "xlsx":
        return xlsx_bytes(rows, columns, title=name)
    return csv_bytes(rows, columns)


# --- hledger -----------------------------------------------------------------------------------

HLEDGER_COMMODITY = "PEN"


def _hledger_text(value: str) -> str:
    """One line, no `;` (hledger starts a comment there)."""
    return " ".join(value.replace(";", ",").split())


def hledger_amount(amount: Decimal) -> str:
    """`PEN 1234.50`, `PEN -12.00`: no thousands separator, so no ambiguity for the parser."""
    return f"{HLEDGER_COMMODITY} {amount:.2f}"


def write_hledger(stream: IO[str]) -> None:
    """The whole journal as an hledger journal file (balances equal `account_balances`)."""
    stream.write("; Lares Ledger journal export (amounts in soles)\n")
    stream.write(f"commodity {HLEDGER_COMMODITY} 1000.00\n\n")
    for entry, lines in _entries_with_lines():
        tags = [f"entry:{entry.id}", f"source:{entry.source_type.value}",
                f"transfer:{_hledger_text(entry.transfer_id).replace(',', '_')}"]
        if entry.reverses_entry_id:
            tags.append(f"reverses:{entry.reverses_entry_id}")
        if entry.adjusts_entry_id:
            tags.append(f"adjusts:{entry.adjusts_entry_id}")
        stream.write(f"{entry.entry_date.isoformat()} * ({entry.id}) {_hledger_text(entry.memo)}"
                     f"  ; {', '.join(tags)}\n")
        for line in lines:
            amount = line.debit - line.credit
            comment = _hledger_text(line.account.name + (f" / {line.description}" if line.description else ""))
            stream.write(f"    {line.account.code:<44}  {hledger_amount(amount):>16}  ; {comment}\n")
        stream.write("\n")


def _entries_with_lines():
    entries = db.session.scalars(
        select(JournalEntry).options(selectinload(JournalEntry.lines))
        .order_by(JournalEntry.entry_date, JournalEntry.id)
    )
    for entry in entries:
        yield entry, entry.lines


def hledger_text() -> str:
    """The hledger journal as a string."""
    buffer = io.StringIO()
    write_hledger(buffer)
    return buffer.getvalue()
