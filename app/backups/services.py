"""Backups: the whole database as one portable file, restored only into an empty database.

The file is gzip-compressed JSON lines, readable by any engine:

    {"format": "lares-ledger-backup", "version": 1, "revision": "0006_scale", ...}   header
    {"table": "communities", "columns": ["id", ...], "rows": 9}                       then 9 rows,
    [1, "Lares", ...]                                                                 one per line
    ...
    {"end": true, "rows": {"communities": 9, ...}}                                    trailer

Values go through the application's column types, so a backup taken on SQLite restores into
PostgreSQL and back: money as exact decimals, timestamps as aware ISO-8601, dates as ISO,
enums as their values, binary as base64; tables in foreign-key order, rows in id order.

Restoring respects the ledger's own posting mechanism (migration 0003_ledger): journal entries
go in unposted, their lines follow, then the entries are flipped to posted in one UPDATE, which
the triggers check for balance; closed months are restored last, since the database refuses
entries dated in a closed month. PostgreSQL id sequences are moved past the restored ids.
`account_totals` is left out: the database rebuilds it from the restored lines. So are the
sign-in sessions: after a restore everyone signs in again.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path

from sqlalchemy import JSON, Table, func, insert, select, text, update

from app.backups.sequences import reset_sequences
from app.clock import now_utc
from app.extensions import db

FORMAT = "lares-ledger-backup"
VERSION = 1
CHUNK = 1000
# Rows the migrations themselves write into a new database; a restore replaces them.
SEEDED_BY_MIGRATIONS = ("accounts", "approval_thresholds", "receipt_sequences")
# Restored after everything else: the database refuses journal entries dated in a closed month.
RESTORED_LAST = ("accounting_periods",)
# Kept by the database itself (a trigger sums each restored line in), so never written to a file.
DERIVED = ("account_totals",)
# Never written either: a restore must not reopen sign-ins ended since; everyone signs in again.
SIGN_IN_STATE = ("sign_in_sessions",)


class BackupError(ValueError):
    """A backup that cannot be written or restored as asked; nothing was changed."""


def current_revision() -> str | None:
    """The Alembic revision the database is at."""
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _tables() -> list[Table]:
    return [table for table in db.metadata.sorted_tables
            if table.name not in DERIVED + SIGN_IN_STATE]


def _encode(value):
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"D": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Enum):
        return value.value
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, raw), = value.items()
        if tag == "d":
            return Decimal(raw)
        if tag == "t":
            return datetime.fromisoformat(raw)
        if tag == "D":
            return date.fromisoformat(raw)
        if tag == "b":
            return base64.b64decode(raw)
    return value


def _decoders(table: Table, columns: list[str]) -> list:
    """Per column: how to read it back (JSON columns hold plain JSON, never tagged values)."""
    return [(lambda v: v) if isinstance(table.c[name].type, JSON) else _decode for name in columns]


def _lines() -> Iterator[dict | list]:
    counts = {}
    yield {"format": FORMAT, "version": VERSION, "revision": current_revision(),
           "created_at": now_utc().isoformat(), "engine": db.session.get_bind().dialect.name,
           "tables": [table.name for table in _tables()]}
    for table in _tables():
        columns = [column.name for column in table.columns]
        count = db.session.scalar(select(func.count()).select_from(table))
        counts[table.name] = count
        yield {"table": table.name, "columns": columns, "rows": count}
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=CHUNK)
        for row in db.session.execute(query):
            yield [value if name in json_columns else _encode(value)
                   for name, value in zip(columns, row, strict=True)]
    yield {"end": True, "rows": counts}


def create_backup(path: Path | str) -> dict[str, int]:
    """Write every table to `path` (gzip JSON lines); return the rows written per table."""
    target = Path(path)
    counts: dict[str, int] = {}
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for line in _lines():
            if isinstance(line, dict) and line.get("end"):
                counts = line["rows"]
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
    return counts


def _read(path: Path) -> Iterator:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            for line in source:
                yield json.loads(line)
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is not a readable backup: {exc}") from exc


def ensure_empty() -> None:
    """Refuse (`BackupError`) a database holding anything beyond what the migrations wrote."""
    busy = []
    for table in _tables():
        count = db.session.scalar(select(func.count()).select_from(table))
        if count and table.name not in SEEDED_BY_MIGRATIONS:
            busy.append(f"{table.name} ({count})")
    accounts = db.metadata.tables["accounts"]
    if db.session.scalar(select(func.count()).where(accounts.c.payee_kind.is_not(None))):
        busy.append("accounts (payees)")
    if busy:
        raise BackupError("the database is not empty: " + ", ".join(busy)
                          + ". Restore into a new, migrated database.")


def restore_backup(path: Path | str) -> dict[str, int]:
    """Load a backup into this empty database at the same revision (flushes; the caller commits)."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"no such file: {source}")
    lines = _read(source)
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{source} is not a Lares Ledger backup")
    if header.get("version") != VERSION:
        raise BackupError(f"backup format version {header.get('version')} is not supported")
    revision = current_revision()
    if header.get("revision") != revision:
        raise BackupError(f"the backup is at migration {header.get('revision')}, this database at "
                          f"{revision}: migrate an empty database to {header.get('revision')} first")
    ensure_empty()
    for name in SEEDED_BY_MIGRATIONS:
        db.session.execute(db.metadata.tables[name].delete())

    counts: dict[str, int] = {}
    held_back: list[tuple[Table, list[str], list[list]]] = []
    posted_entries: list[int] = []
    trailer = None
    for line in lines:
        if isinstance(line, dict) and line.get("end"):
            trailer = line
            break
        if not isinstance(line, dict) or "table" not in line:
            raise BackupError("the backup is damaged: a table's rows are out of place")
        table = db.metadata.tables.get(line["table"])
        if table is None:
            raise BackupError(f"the backup has a table this version does not know: {line['table']}")
        columns, expected = line["columns"], line["rows"]
        decoders = _decoders(table, columns)
        rows = []
        for _ in range(expected):
            raw = next(lines, None)
            if not isinstance(raw, list) or len(raw) != len(columns):
                raise BackupError(f"the backup is damaged or cut short in table {table.name}")
            rows.append([decode(value) for decode, value in zip(decoders, raw, strict=True)])
        counts[table.name] = len(rows)
        if table.name in RESTORED_LAST:
            held_back.append((table, columns, rows))
            continue
        if table.name == "journal_entries":
            # Entries go in unposted; the flip below is what the ledger's triggers check.
            posted_at = columns.index("posted")
            posted_entries = [row[columns.index("id")] for row in rows if row[posted_at]]
            for row in rows:
                row[posted_at] = False
        _insert(table, columns, rows)
    if trailer is None:
        raise BackupError("the backup is cut short: its last line is missing")
    if trailer.get("rows") != counts:
        raise BackupError("the backup's row counts do not match its trailer")
    entries = db.metadata.tables["journal_entries"]
    for start in range(0, len(posted_entries), CHUNK):
        db.session.execute(update(entries).where(entries.c.id.in_(posted_entries[start:start + CHUNK]))
                           .values(posted=True))
    for table, columns, rows in held_back:
        _insert(table, columns, rows)
    reset_sequences(db.session.connection())
    db.session.flush()
    return counts


def _insert(table: Table, columns: list[str], rows: list[list]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), [dict(zip(columns, row, strict=True))
                                           for row in rows[start:start + CHUNK]])
