"""The audit trail, for administrators: filter, page through, and open one change."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role, roles_required
from app.audit.forms import AuditFilterForm, action_label
from app.audit.models import AuditEvent
from app.clock import LIMA
from app.extensions import db
from app.registries.routes import get_or_404, paginate

blueprint = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")


def lima_day_start(day) -> datetime:
    """The instant a Lima calendar day begins (audit times are UTC, filters are Lima dates)."""
    return datetime.combine(day, time.min, tzinfo=LIMA)


def filter_form() -> AuditFilterForm:
    """The filter form, its choices read in three constant queries."""
    entity_types = db.session.scalars(
        select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
    ).all()
    actions = db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()
    actors = db.session.scalars(select(User).order_by(User.full_name, User.id)).all()
    form = AuditFilterForm(request.args, entity_types, actions, actors)
    form.validate()
    return form


@blueprint.route("/")
@roles_required(Role.ADMIN)
def event_list():
    """Every recorded change, newest first, filtered by record, action, person and dates."""
    filters = filter_form()
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters.value("entity_type"):
        query = query.where(AuditEvent.entity_type == filters.value("entity_type"))
    if filters.value("entity_id"):
        query = query.where(AuditEvent.entity_id == filters.value("entity_id"))
    if filters.value("action"):
        query = query.where(AuditEvent.action == filters.value("action"))
    if filters.value("actor_id"):
        query = query.where(AuditEvent.actor_id == int(filters.value("actor_id")))
    if filters.value("date_from"):
        query = query.where(AuditEvent.at >= lima_day_start(filters.value("date_from")))
    if filters.value("date_to"):
        next_day = filters.value("date_to") + timedelta(days=1)
        query = query.where(AuditEvent.at < lima_day_start(next_day))
    return render_template(
        "audit/event_list.html", page=paginate(query), filters=filters, action_label=action_label
    )


@blueprint.route("/<int:event_id>")
@roles_required(Role.ADMIN)
def event_detail(event_id: int):
    """One change: who, when, why, and each field's value before and after, side by side."""
    event = get_or_404(AuditEvent, event_id)
    before, after = event.before or {}, event.after or {}
    fields = sorted(set(before) | set(after))
    return render_template(
        "audit/event_detail.html", event=event, fields=fields, before=before, after=after,
        action_label=action_label,
    )
