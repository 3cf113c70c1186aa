"""The audit trail's filters (a GET form: no CSRF, bad values are reported, never a 500)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from app.forms import MAX_RECORD_ID, BusinessDateField, TextChecks, WholeNumberField

# Names for the actions services record; an action not listed here shows as recorded.
ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "archive": _l("Archived"),
    "restore": _l("Restored"),
    "deactivate": _l("Deactivated"),
    "reactivate": _l("Reactivated"),
    "set_password": _l("Password set"),
    "delete": _l("Deleted"),
}


def action_label(action: str) -> str:
    """An action's name in the user's language (or as recorded, when unknown)."""
    return str(ACTION_LABELS.get(action, action))


class AuditFilterForm(TextChecks, FlaskForm):
    """Filter events by kind of record, record id, action, who made them, and when."""

    class Meta:
        csrf = False

    entity_type = SelectField(_l("Record type"), validators=[Optional()])
    entity_id = WholeNumberField(_l("Record number"), validators=[Optional(), NumberRange(min=1, max=MAX_RECORD_ID)])
    action = SelectField(_l("Action"), validators=[Optional()])
    actor_id = SelectField(_l("Who"), validators=[Optional()])
    date_from = BusinessDateField(_l("From"), validators=[Optional()])
    date_to = BusinessDateField(_l("To"), validators=[Optional()])

    def __init__(self, formdata, entity_types, actions, actors) -> None:
        super().__init__(formdata)
        any_ = SelectChoice("", _l("Any"))
        self.entity_type.choices = [any_] + [SelectChoice(name, name) for name in entity_types]
        self.action.choices = [any_] + [SelectChoice(name, action_label(name)) for name in actions]
        self.actor_id.choices = [any_] + [
            SelectChoice(str(actor.id), actor.full_name) for actor in actors
        ]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def value(self, name: str):
        """A filter's value when it passed validation, else None (bad filters are ignored)."""
        field = self[name]
        data = field.data.strip() if isinstance(field.data, str) else field.data
        return data if data not in (None, "") and not field.errors else None
