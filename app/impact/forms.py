"""The report form (period, communities, basis, language) and the issue form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from app.forms import BusinessDateField, TextChecks, record_id
from app.impact.models import Basis

BASIS_CHOICES = [
    SelectChoice(Basis.ACCRUAL.value, _l("Accrual: what we owe for the period's treks")),
    SelectChoice(Basis.CASH.value, _l("Cash: what we paid during the period")),
]
LANGUAGE_CHOICES = [SelectChoice("es", _l("Spanish")), SelectChoice("en", _l("English"))]


class ReportFields(TextChecks, FlaskForm):
    """Which report: period, communities, basis, language."""

    start = BusinessDateField(_l("From"), validators=[DataRequired(message=_l("Give the first day."))])
    end = BusinessDateField(_l("To"), validators=[DataRequired(message=_l("Give the last day."))])
    communities = SelectMultipleField(
        _l("Communities"), description=_l("None chosen: every community on our routes."),
    )
    basis = SelectField(_l("Basis"), choices=BASIS_CHOICES, default=Basis.ACCRUAL.value)
    lang = SelectField(_l("Report language"), choices=LANGUAGE_CHOICES, default="es")

    def set_community_choices(self, communities) -> None:
        """Offer these communities, by slug."""
        self.communities.choices = [SelectChoice(c.slug, c.name) for c in communities]

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The period ends before it starts: the last day must be on or after the first."))

    def choice_args(self) -> dict:
        """The chosen communities, basis and language as URL query arguments, leaving out any
        value the form does not offer."""
        def offered(field) -> set[str]:
            return {choice.value for choice in field.choices}

        args = {name: field.data for name, field in (("basis", self.basis), ("lang", self.lang))
                if field.data in offered(field)}
        args["communities"] = [slug for slug in self.communities.data or [] if slug in offered(self.communities)]
        return args

    def query_args(self) -> dict:
        """The report's parameters as URL query arguments."""
        return {"start": self.start.data.isoformat(), "end": self.end.data.isoformat(),
                "communities": list(self.communities.data or []), "basis": self.basis.data,
                "lang": self.lang.data}


class ReportForm(ReportFields):
    """The report to preview, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False


class IssueForm(ReportFields):
    """Issue the previewed report to a partner (POST, with CSRF)."""

    partner_id = SelectField(_l("Issue to"), coerce=record_id, validate_choice=True)

    def set_partner_choices(self, partners) -> None:
        """Offer these organisations."""
        self.partner_id.choices = [SelectChoice(p.id, p.name) for p in partners]
