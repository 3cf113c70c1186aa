"""The audit trail, for administrators."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.accounts.roles import Role, roles_required
from app.audit.models import AuditEvent
from app.extensions import db

blueprint = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")


class AuditFilterForm(FlaskForm):
    """Filter events by kind of record and action."""

    class Meta:
        csrf = False

    entity_type = StringField(_l("Record type"), validators=[Optional(), Length(max=60)])
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("", _l("Any")), SelectChoice("create", _l("Created")),
                 SelectChoice("update", _l("Changed")), SelectChoice("archive", _l("Archived")),
                 SelectChoice("restore", _l("Restored"))],
        validate_choice=False,
    )


@blueprint.route("/")
@roles_required(Role.ADMIN)
def event_list():
    """Every recorded change, newest first."""
    filters = AuditFilterForm(request.args)
    filters.validate()
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters.entity_type.data:
        query = query.where(AuditEvent.entity_type == filters.entity_type.data.strip())
    if filters.action.data:
        query = query.where(AuditEvent.action == filters.action.data)
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("audit/event_list.html", page=page, filters=filters)
