"""Creating, editing and archiving registry records, each change audited.

Services take plain values, flush and record the audit event; the caller commits.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

from sqlalchemy import select

from app.audit.services import record_change, snapshot
from app.clock import now_utc
from app.extensions import db
from app.registries.models import Community, StaffMember, StaffRole, StaffRoleLink

R = TypeVar("R")


class RegistryError(ValueError):
    """A registry change that breaks a rule (duplicate DNI, archived community...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def slugify(name: str) -> str:
    """`Cancha Cancha` → `cancha-cancha`; accents dropped, ñ kept as n."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "community"


def create_record(model: type[R], values: dict[str, Any], actor_id: int | None) -> R:
    """Add a registry record with `values` and audit its creation."""
    record = model(**values)
    if isinstance(record, Community) and not record.slug:
        record.slug = slugify(record.name)
    db.session.add(record)
    record_change(actor_id, "create", record, summary=str(record))
    return record


def update_record(record: R, values: dict[str, Any], actor_id: int | None) -> R:
    """Change a record's fields and audit the before and after."""
    if getattr(record, "archived_at", None) is not None:
        raise RegistryError("archived records cannot be edited; restore it first")
    before = snapshot(record)
    for key, value in values.items():
        setattr(record, key, value)
    record_change(actor_id, "update", record, before=before, summary=str(record))
    return record


def archive_record(record: R, actor_id: int | None, reason: str | None = None) -> R:
    """Archive a record: it stays readable and referenced, but leaves lists and choices."""
    if record.archived_at is not None:  # type: ignore[attr-defined]
        raise RegistryError("this record is already archived")
    before = snapshot(record)
    record.archived_at = now_utc()  # type: ignore[attr-defined]
    record_change(actor_id, "archive", record, before=before, reason=reason, summary=str(record))
    return record


def restore_record(record: R, actor_id: int | None) -> R:
    """Bring an archived record back into use."""
    if record.archived_at is None:  # type: ignore[attr-defined]
        raise RegistryError("this record is not archived")
    before = snapshot(record)
    record.archived_at = None  # type: ignore[attr-defined]
    record_change(actor_id, "restore", record, before=before, summary=str(record))
    return record


def set_staff_roles(staff: StaffMember, roles: set[StaffRole]) -> None:
    """Replace a staff member's jobs."""
    staff.role_links = [StaffRoleLink(role=role) for role in sorted(roles, key=lambda r: r.value)]


def dni_taken(dni: str, except_id: int | None = None) -> bool:
    """True when another staff member already has this DNI."""
    query = select(StaffMember.id).where(StaffMember.dni == dni)
    if except_id is not None:
        query = query.where(StaffMember.id != except_id)
    return db.session.scalar(query) is not None
