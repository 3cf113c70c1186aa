"""Read-side queries for registry lists: search, filters, choices, pagination-ready selects.

Each list is one SELECT (plus the paginator's count); relationships are eager-loaded by the
models (`lazy="joined"`/`"selectin"`), so a page costs the same queries whatever its size.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.registries.models import (
    ArchivableMixin,
    Community,
    HomestayFamily,
    StaffMember,
    StaffRole,
    StaffRoleLink,
    WeavingAssociation,
)

INSURANCE_WARNING_DAYS = 30


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


def community_choices(include_id: int | None = None, everything: bool = False) -> list[SelectChoice]:
    """Communities to choose from: those in use (plus `include_id`), or every one."""
    query = select(Community.id, Community.name).order_by(Community.name)
    if not everything:
        condition = Community.archived_at.is_(None)
        if include_id is not None:
            condition = or_(condition, Community.id == include_id)
        query = query.where(condition)
    return [SelectChoice(row.id, row.name) for row in db.session.execute(query)]


def community_list_query(filters) -> Select:
    """Communities, searched by name or district."""
    query = select(Community).order_by(Community.name)
    query = filter_by_status(query, Community, filters.status.data)
    return search_text(query, filters.q.data, Community.name, Community.district)


def family_list_query(filters) -> Select:
    """Homestay families, searched by household head or phone, by community and rotation."""
    query = (
        select(HomestayFamily).join(HomestayFamily.community)
        .options(contains_eager(HomestayFamily.community))
        .order_by(Community.name, HomestayFamily.household_head)
    )
    query = filter_by_status(query, HomestayFamily, filters.status.data)
    query = search_text(query, filters.q.data, HomestayFamily.household_head, HomestayFamily.phone)
    if filters.community.data:
        query = query.where(HomestayFamily.community_id == filters.community.data)
    if filters.rotation.data == "active":
        query = query.where(HomestayFamily.active.is_(True))
    elif filters.rotation.data == "inactive":
        query = query.where(HomestayFamily.active.is_(False))
    return query


def association_list_query(filters) -> Select:
    """Weaving associations, searched by name or contact, by community."""
    query = (
        select(WeavingAssociation).join(WeavingAssociation.community)
        .options(contains_eager(WeavingAssociation.community))
        .order_by(WeavingAssociation.name)
    )
    query = filter_by_status(query, WeavingAssociation, filters.status.data)
    query = search_text(query, filters.q.data, WeavingAssociation.name, WeavingAssociation.contact_name)
    if filters.community.data:
        query = query.where(WeavingAssociation.community_id == filters.community.data)
    return query


def staff_list_query(filters, today: date) -> Select:
    """Staff, searched by name or DNI, by role, community of origin and insurance."""
    query = select(StaffMember).order_by(StaffMember.full_name)
    query = filter_by_status(query, StaffMember, filters.status.data)
    query = search_text(query, filters.q.data, StaffMember.full_name, StaffMember.dni)
    if filters.role.data:
        query = query.where(StaffMember.role_links.any(StaffRoleLink.role == StaffRole(filters.role.data)))
    if filters.community.data:
        query = query.where(StaffMember.community_id == filters.community.data)
    if filters.insurance.data == "expired":
        query = query.where(
            or_(StaffMember.insurance_expiry.is_(None), StaffMember.insurance_expiry < today)
        )
    elif filters.insurance.data == "expiring":
        query = query.where(StaffMember.insurance_expiry.between(
            today, today + timedelta(days=INSURANCE_WARNING_DAYS)
        ))
    return query


def community_members(community: Community) -> dict:
    """A community's families and associations (all, archived last) and its staff count."""
    families = db.session.scalars(
        select(HomestayFamily).where(HomestayFamily.community_id == community.id)
        .order_by(HomestayFamily.archived_at.is_not(None), HomestayFamily.household_head)
    ).all()
    associations = db.session.scalars(
        select(WeavingAssociation).where(WeavingAssociation.community_id == community.id)
        .order_by(WeavingAssociation.archived_at.is_not(None), WeavingAssociation.name)
    ).all()
    staff_count = db.session.scalar(
        select(func.count(StaffMember.id)).where(
            StaffMember.community_id == community.id, StaffMember.archived_at.is_(None)
        )
    )
    current_families = [family for family in families if not family.is_archived]
    return {
        "families": families,
        "associations": associations,
        "family_count": len(current_families),
        "active_family_count": sum(1 for family in current_families if family.active),
        "bed_count": sum(family.beds for family in current_families if family.active),
        "association_count": sum(1 for association in associations if not association.is_archived),
        "staff_count": staff_count,
    }
