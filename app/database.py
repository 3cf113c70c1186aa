"""The declarative base, the constraint naming convention and engine-level settings.

The naming convention keeps Alembic migrations stable across SQLite and PostgreSQL: every
constraint has a predictable name, so a migration can drop or alter it by name.
"""

from __future__ import annotations

import sqlite3
from functools import partial

from sqlalchemy import Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def configure_sqlite_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """On one of the app's SQLite engines: the connection settings, our own BEGIN, and the write
    lock taken with BEGIN IMMEDIATE at a transaction's first write (see `_lock_before_writing`)."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", partial(_configure_sqlite, busy_timeout_ms=busy_timeout_ms))
    event.listen(engine, "begin", _begin_sqlite)
    event.listen(engine, "before_cursor_execute", _lock_before_writing)


def _configure_sqlite(dbapi_connection, connection_record, busy_timeout_ms: int) -> None:
    """SQLite: foreign keys on, WAL, a busy timeout, and transactions under our control.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; setting
    isolation_level to None and emitting BEGIN ourselves (see `_begin_sqlite`) is the recipe
    SQLAlchemy documents.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Per connection: whether its transaction holds the write lock, and its change count at BEGIN.
_HOLDS_WRITE_LOCK = "lares_sqlite_holds_write_lock"
_CHANGES_AT_BEGIN = "lares_sqlite_changes_at_begin"
# Statements that write, or open a savepoint (always around writes here: see the services).
_WRITING_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


def _begin_sqlite(connection) -> None:
    """Emit BEGIN on SQLite; BEGIN IMMEDIATE when the connection asks for the write lock first
    (payments: they read what they lock)."""
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
    connection.info[_HOLDS_WRITE_LOCK] = mode in ("IMMEDIATE", "EXCLUSIVE")
    connection.info[_CHANGES_AT_BEGIN] = connection.connection.dbapi_connection.total_changes


def _lock_before_writing(connection, cursor, statement, parameters, context, executemany) -> None:
    """Before a deferred transaction's first write, move it to BEGIN IMMEDIATE.

    A deferred transaction that has read and then writes must upgrade its lock, and SQLite
    refuses that at once ("database is locked") when another connection is writing, without
    waiting on the busy timeout (its snapshot would be stale by then). So the reads so far end
    (COMMIT of a transaction that wrote nothing: the change count proves it) and a write
    transaction begins with BEGIN IMMEDIATE, which queues on the busy timeout. The lock is held
    from the first write to the commit, never while a request only reads or hashes a password.
    The reads before it are as fresh as PostgreSQL's (READ COMMITTED) would be: what must not
    change between read and write is locked first, as payments do (`sqlite_begin`).
    """
    info = connection.info
    if info.get(_HOLDS_WRITE_LOCK, True) or not statement.lstrip()[:9].upper().startswith(_WRITING_STATEMENTS):
        return
    info[_HOLDS_WRITE_LOCK] = True
    dbapi_connection = cursor.connection
    if not dbapi_connection.in_transaction or dbapi_connection.total_changes != info[_CHANGES_AT_BEGIN]:
        return  # not ours to move: no transaction open, or it has written already (so holds the lock)
    cursor.execute("COMMIT")
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        cursor.execute("BEGIN")  # still in a transaction, as SQLAlchemy believes; then the refusal
        raise


# What SQLite's refusals mean for the person saving: "busy" (the write lock stayed taken past
# the busy timeout) or "read-only" (the file or its directory cannot be written).
BUSY = "busy"
READ_ONLY = "read-only"


def sqlite_refusal(error: OperationalError) -> str | None:
    """BUSY or READ_ONLY when SQLite refused for one of those reasons, else None."""
    name = getattr(error.orig, "sqlite_errorname", "")  # sqlite3 errors carry it (Python 3.11+)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return BUSY
    if name.startswith("SQLITE_READONLY"):
        return READ_ONLY
    return None


def enum_column_type(enum_class, name: str):
    """A portable enum column: stored as its string value, guarded by a named CHECK."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
    )
