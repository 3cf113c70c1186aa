"""PostgreSQL sequences after rows were written with explicit ids (a restore, bulk history).

A SERIAL column's sequence does not move when a row brings its own id, so the next ordinary
INSERT would collide. `reset_sequences` moves each sequence past the largest id in its table.
SQLite needs nothing: its rowid allocation follows the largest id present.
"""

from __future__ import annotations

from sqlalchemy import Integer, text
from sqlalchemy.engine import Connection

from app.extensions import db


def reset_sequences(connection: Connection) -> list[str]:
    """Set every table's id sequence just past its largest id (PostgreSQL); return the tables."""
    if connection.dialect.name != "postgresql":
        return []
    done = []
    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer) or key[0].name != "id":
            continue
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}).scalar()
        if sequence is None:
            continue
        # The table name comes from our own metadata, never from input.
        statement = f'SELECT setval(:sequence, coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'  # nosec
        connection.execute(text(statement), {"sequence": sequence})
        done.append(table.name)
    return done
