"""Ledger forms: filters (GET, no CSRF), rates, exchange rates, closing and reopening months,
reversing entries, voiding obligations. Amounts are parsed by the services (exact, refused
with a clear message when zero, negative or over-precise)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields import MonthField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.forms import record_id
from app.ledger.models import EntrySource, ServiceKind
from app.registries.forms import empty_to_none, strip
from app.registries.models import PayeeKind

AMOUNT = Regexp(r"^\s*\d{1,8}(\.\d{1,2})?\s*$", message=_l("An amount like 60 or 60.50 (two decimals at most)."))

SERVICE_LABELS = {
    ServiceKind.HOMESTAY_NIGHT: _l("Homestay (per guest-night)"),
    ServiceKind.WORKSHOP_PARTICIPANT: _l("Weaving workshop (per participant)"),
    ServiceKind.VISITOR_FEE: _l("Community visitor fee (per traveller)"),
    ServiceKind.HOT_SPRINGS: _l("Hot springs (per traveller)"),
    ServiceKind.ARRIERO_DAY: _l("Arriero (per day)"),
    ServiceKind.MULE_DAY: _l("Mule (per day)"),
    ServiceKind.COOK_DAY: _l("Cook (per day)"),
    ServiceKind.PORTER_DAY: _l("Porter (per day)"),
    ServiceKind.GUIDE_DAY: _l("Guide (per day)"),
}

SOURCE_LABELS = {
    EntrySource.DEPARTURE: _l("Departure"),
    EntrySource.PAYMENT: _l("Payment"),
    EntrySource.ADJUSTMENT: _l("Adjustment"),
}

PAYEE_KIND_LABELS = {
    PayeeKind.COMMUNITY: _l("Community"),
    PayeeKind.FAMILY: _l("Homestay family"),
    PayeeKind.ASSOCIATION: _l("Weaving association"),
    PayeeKind.STAFF: _l("Staff"),
}


def _choices(labels: dict, blank=None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(key.value, label) for key, label in labels.items()]


class DateRangeMixin:
    """From / to dates, with `to` not before `from`."""

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class JournalFilterForm(DateRangeMixin, FlaskForm):
    """Filter the journal by dates, account and source."""

    class Meta:
        csrf = False

    account = SelectField(_l("Account"), coerce=record_id, validate_choice=False, default="")
    source = SelectField(_l("Source"), choices=_choices(SOURCE_LABELS, _l("All")), default="",
                         validate_choice=False)


class StatementFilterForm(DateRangeMixin, FlaskForm):
    """A statement between two dates."""

    class Meta:
        csrf = False


class PayablesFilterForm(FlaskForm):
    """Payables of one community or kind of payee; late porters only."""

    class Meta:
        csrf = False

    community = SelectField(_l("Community"), coerce=record_id, validate_choice=False, default="")
    payee_kind = SelectField(_l("Payee"), choices=_choices(PAYEE_KIND_LABELS, _l("All")), default="",
                             validate_choice=False)
    overdue_porters = BooleanField(_l("Porters waiting more than 2 days"))


class RateForm(FlaskForm):
    """A new rate from a date (a change never edits an old rate)."""

    service = SelectField(_l("Service"), choices=_choices(SERVICE_LABELS), validators=[DataRequired()])
    community = SelectField(_l("Community"), coerce=record_id, default="",
                            description=_l("Leave empty for the rate every community gets."))
    rate = StringField(_l("Rate (S/)"), filters=[strip], validators=[DataRequired(), AMOUNT])
    effective_from = DateField(_l("In force from"), validators=[DataRequired()])
    note = StringField(_l("Note"), filters=[empty_to_none], validators=[Optional(), Length(max=255)])


class ExchangeRateForm(FlaskForm):
    """Soles per US dollar from a date."""

    rate_date = DateField(_l("Date"), validators=[DataRequired()])
    usd_to_pen = StringField(
        _l("Soles per dollar"), filters=[strip],
        validators=[DataRequired(), Regexp(r"^\d{1,2}(\.\d{1,4})?$", message=_l("A rate like 3.7525 (four decimals at most)."))],
    )
    source = StringField(_l("Source"), filters=[empty_to_none], validators=[Optional(), Length(max=120)],
                         description=_l("For example SBS, bank, exchange office."))


class ClosePeriodForm(FlaskForm):
    """The month to close."""

    month = MonthField(_l("Month"), validators=[DataRequired()])


class ReasonForm(FlaskForm):
    """Why: reopening a month, reversing an entry, voiding an obligation."""

    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=500)])
