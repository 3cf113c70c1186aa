"""The partner organisation form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import TextChecks, required_record_id
from app.partners.models import PartnerKind
from app.registries.forms import empty_to_none, strip

KIND_LABELS = {
    PartnerKind.NGO: _l("NGO"),
    PartnerKind.CERTIFIER: _l("Certification body"),
    PartnerKind.COMMUNITY_ASSOCIATION: _l("Community association"),
    PartnerKind.OTHER: _l("Other"),
}

LANGUAGE_CHOICES = [SelectChoice("es", _l("Spanish")), SelectChoice("en", _l("English"))]


class PartnerForm(TextChecks, FlaskForm):
    """An organisation that receives impact reports, in its language."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=160)])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]
    )
    language = SelectField(_l("Report language"), choices=LANGUAGE_CHOICES, default="es")
    contact_name = StringField(
        _l("Contact person"), filters=[empty_to_none], validators=[Optional(), Length(max=120)]
    )
    contact_email = StringField(
        _l("Contact email"), filters=[empty_to_none],
        validators=[Optional(), Length(max=254), Email(message=_l("Enter a valid email address."))],
    )
    community_ids = SelectMultipleField(
        _l("Communities of interest"), coerce=required_record_id,
        description=_l("The communities its reports cover by default (none: all communities)."),
    )
    notes = TextAreaField(_l("Notes"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])

    def set_community_choices(self, communities) -> None:
        """Offer these communities (id, name) in the communities field."""
        self.community_ids.choices = [SelectChoice(c.id, c.name) for c in communities]

    def values(self) -> dict:
        """The model values this form carries (communities as ids)."""
        return {
            "name": self.name.data,
            "kind": PartnerKind(self.kind.data),
            "language": self.language.data,
            "contact_name": self.contact_name.data,
            "contact_email": self.contact_email.data,
            "notes": self.notes.data,
            "community_ids": list(self.community_ids.data or []),
        }
