"""Read-side queries for registry lists: search, status filter, pagination."""

from __future__ import annotations

from sqlalchemy import Select, or_

from app.registries.models import ArchivableMixin


def filter_by_status(query: Select, model: type[ArchivableMixin], status: str) -> Select:
    """Keep records in use (default), archived ones, or all."""
    if status == "archived":
        return query.where(model.archived_at.is_not(None))
    if status == "all":
        return query
    return query.where(model.archived_at.is_(None))


def search_text(query: Select, text: str | None, *columns) -> Select:
    """Case-insensitive substring search over `columns` (text with control characters, which
    PostgreSQL cannot compare, searches for nothing)."""
    if not text or not text.isprintable():
        return query
    pattern = f"%{text.replace('%', '').replace('_', '')}%"
    return query.where(or_(*(column.ilike(pattern) for column in columns)))
