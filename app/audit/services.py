"""Recording audit events. Services call `record_change`; they flush, never commit."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, inspect

from app.audit.models import AuditEvent
from app.extensions import db


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(record: Any) -> dict[str, Any]:
    """The column values of `record` as JSON-safe data, for the before/after of an event."""
    mapper = inspect(record).mapper
    return {
        column.key: _json_value(getattr(record, column.key))
        for column in mapper.column_attrs
    }


def record_change(
    actor_id: int | None,
    action: str,
    record: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    summary: str = "",
) -> AuditEvent:
    """Add an audit event for `record` (flushed, so the record's id is known)."""
    db.session.flush()
    if after is None and action != "delete":
        after = snapshot(record)
    if before is not None and after is not None:
        changed = {key for key in after if before.get(key) != after.get(key)}
        before = {key: before[key] for key in sorted(changed) if key in before}
        after = {key: after[key] for key in sorted(changed)}
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        entity_type=record.__tablename__,
        entity_id=getattr(record, "id", None),
        before=before,
        after=after,
        reason=reason,
        summary=summary[:255],
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_creations(
    actor_id: int | None,
    records: Sequence[Any],
    afters: Sequence[dict[str, Any]],
    summaries: Sequence[str],
    reason: str | None = None,
) -> None:
    """Add one "create" event per record, as `record_change` would, in one statement (a bulk
    import: `records` already written, `afters` their snapshots, `summaries` their names)."""
    events = [
        {"actor_id": actor_id, "action": "create", "entity_type": record.__tablename__,
         "entity_id": record.id, "before": None, "after": after, "reason": reason,
         "summary": summary[:255]}
        for record, after, summary in zip(records, afters, summaries, strict=True)
    ]
    if events:
        db.session.execute(insert(AuditEvent), events)
