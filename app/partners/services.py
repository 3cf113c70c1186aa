"""Creating, editing and archiving partner organisations, each change audited.

Services take plain values, flush and record the audit event; the caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.audit.services import record_change, snapshot
from app.extensions import db
from app.partners.models import Partner
from app.registries.models import Community


class PartnerError(ValueError):
    """A partner change that breaks a rule (duplicate name, archived organisation...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _apply(partner: Partner, values: dict[str, Any]) -> None:
    values = dict(values)
    community_ids = values.pop("community_ids", None)
    clash = select(Partner.id).where(Partner.name == values["name"])
    if partner.id is not None:
        clash = clash.where(Partner.id != partner.id)
    if db.session.scalar(clash) is not None:
        raise PartnerError("an organisation with this name already exists", field="name")
    for key, value in values.items():
        setattr(partner, key, value)
    if community_ids is not None:
        partner.communities = list(
            db.session.scalars(select(Community).where(Community.id.in_(community_ids)))
        )


def _audit_values(partner: Partner) -> dict[str, Any]:
    return {**snapshot(partner), "communities": sorted(c.slug for c in partner.communities)}


def create_partner(values: dict[str, Any], actor_id: int | None) -> Partner:
    """Add an organisation with its communities of interest."""
    partner = Partner()
    _apply(partner, values)
    db.session.add(partner)
    db.session.flush()
    record_change(actor_id, "create", partner, after=_audit_values(partner), summary=partner.name)
    return partner


def update_partner(partner: Partner, values: dict[str, Any], actor_id: int | None) -> Partner:
    """Change an organisation's details; archived ones must be restored first."""
    if partner.archived:
        raise PartnerError("archived organisations cannot be edited; restore it first")
    before = _audit_values(partner)
    _apply(partner, values)
    db.session.flush()
    record_change(actor_id, "update", partner, before=before, after=_audit_values(partner),
                  summary=partner.name)
    return partner


def set_partner_archived(partner: Partner, archived: bool, actor_id: int | None) -> Partner:
    """Archive an organisation (its reports stay readable) or bring it back."""
    if partner.archived == archived:
        raise PartnerError("already archived" if archived else "not archived")
    before = snapshot(partner)
    partner.archived = archived
    record_change(actor_id, "archive" if archived else "restore", partner, before=before,
                  summary=partner.name)
    return partner
