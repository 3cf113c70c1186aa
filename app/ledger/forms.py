"""Ledger forms: filters (GET, no CSRF), rates, exchange rates, closing and reopening months,
reversing entries, voiding obligations. Amounts are read by the shared `MoneyField` (plain
digits, two decimals at most); the services refuse zero and negatives with a clear message."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from app.forms import (
    BusinessDateField,
    BusinessMonthField,
    MoneyField,
    NumberField,
    TextChecks,
    record_id,
)
from app.ledger.models import EntrySource, ServiceKind
from app.registries.forms import empty_to_none, strip
from app.registries.models import PayeeKind

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


def plausible_exchange_rate(form, field) -> None:
    """Soles per dollar: above zero, under a hundred, four decimals at most."""
    rate = field.data
    if rate is not None and not (0 < rate < 100 and rate == rate.quantize(Decimal("0.0001"))):
        raise ValidationError(_l("A rate like 3.7525 (four decimals at most)."))


class DateRangeMixin:
    """From / to dates, with `to` not before `from`."""

    date_from = BusinessDateField(_l("From"), validators=[Optional()])
    date_to = BusinessDateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class JournalFilterForm(DateRangeMixin, TextChecks, FlaskForm):
    """Filter the journal by dates, account and source."""

    class Meta:
        csrf = False

    account = SelectField(_l("Account"), coerce=record_id, validate_choice=False, default="")
    source = SelectField(_l("Source"), choices=_choices(SOURCE_LABELS, _l("All")), default="",
                         validate_choice=False)


class StatementFilterForm(DateRangeMixin, TextChecks, FlaskForm):
    """A statement between two dates."""

    class Meta:
        csrf = False


class PayablesFilterForm(TextChecks, FlaskForm):
    """Payables of one community or kind of payee; late porters only."""

    class Meta:
        csrf = False

    community = SelectField(_l("Community"), coerce=record_id, validate_choice=False, default="")
    payee_kind = SelectField(_l("Payee"), choices=_choices(PAYEE_KIND_LABELS, _l("All")), default="",
                             validate_choice=False)
    overdue_porters = BooleanField(_l("Porters waiting more than 2 days"))


class RateForm(TextChecks, FlaskForm):
    """A new rate from a date (a change never edits an old rate)."""

    service = SelectField(_l("Service"), choices=_choices(SERVICE_LABELS), validators=[DataRequired()])
    community = SelectField(_l("Community"), coerce=record_id, default="",
                            description=_l("Leave empty for the rate every community gets."))
    rate = MoneyField(_l("Rate (S/)"), widget=TextInput(), validators=[InputRequired()])
    effective_from = BusinessDateField(_l("In force from"), validators=[DataRequired()])
    note = StringField(_l("Note"), filters=[empty_to_none], validators=[Optional(), Length(max=255)])


class ExchangeRateForm(TextChecks, FlaskForm):
    """Soles per US dollar from a date."""

    rate_date = BusinessDateField(_l("Date"), validators=[DataRequired()])
    usd_to_pen = NumberField(_l("Soles per dollar"), widget=TextInput(), places=4,
                             validators=[InputRequired(), plausible_exchange_rate])
    source = StringField(_l("Source"), filters=[empty_to_none], validators=[Optional(), Length(max=120)],
                         description=_l("For example SBS, bank, exchange office."))


class ClosePeriodForm(TextChecks, FlaskForm):
    """The month to close."""

    month = BusinessMonthField(_l("Month"), validators=[DataRequired()])


class ReasonForm(TextChecks, FlaskForm):
    """Why: reopening a month, reversing an entry, voiding an obligation."""

    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=500)])
