"""Registry forms. Validation messages are translatable and name the field's rule."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.registries.models import PaymentMethod

PHONE = Regexp(r"^\+?[0-9 ]{6,15}$", message=_l("Phone numbers have 6 to 15 digits."))


def strip(value):
    """Trim surrounding spaces from text input."""
    return value.strip() if isinstance(value, str) else value


def empty_to_none(value):
    """Store blank optional text as NULL."""
    value = strip(value)
    return value or None


PAYMENT_METHOD_CHOICES = [
    SelectChoice(PaymentMethod.CASH.value, _l("Cash (signed receipt)")),
    SelectChoice(PaymentMethod.BANK.value, _l("Bank transfer")),
    SelectChoice(PaymentMethod.YAPE.value, _l("Yape")),
    SelectChoice(PaymentMethod.PLIN.value, _l("Plin")),
]


class PaymentDetailsForm(Form):
    """How a payee is paid; a bank account or wallet number when the method needs one."""

    payment_method = SelectField(
        _l("Payment method"), choices=PAYMENT_METHOD_CHOICES, default=PaymentMethod.CASH.value
    )
    bank_name = StringField(_l("Bank"), filters=[empty_to_none], validators=[Optional(), Length(max=80)])
    bank_account = StringField(
        _l("Bank account (CCI)"),
        filters=[empty_to_none],
        validators=[Optional(), Regexp(r"^[0-9-]{10,40}$", message=_l("Account numbers have 10 to 40 digits or dashes."))],
    )
    wallet_phone = StringField(
        _l("Yape / Plin number"),
        filters=[empty_to_none],
        validators=[Optional(), Regexp(r"^9[0-9]{8}$", message=_l("Yape and Plin numbers are 9 digits starting with 9."))],
    )

    def validate_bank_account(self, field) -> None:
        if self.payment_method.data == PaymentMethod.BANK.value and not field.data:
            raise ValidationError(_l("A bank transfer needs the account number."))

    def validate_wallet_phone(self, field) -> None:
        if self.payment_method.data in (PaymentMethod.YAPE.value, PaymentMethod.PLIN.value) and not field.data:
            raise ValidationError(_l("Yape and Plin payments need the phone number."))

    def payment_values(self) -> dict:
        """The payment fields as model values."""
        return {
            "payment_method": PaymentMethod(self.payment_method.data),
            "bank_name": self.bank_name.data,
            "bank_account": self.bank_account.data,
            "wallet_phone": self.wallet_phone.data,
        }


class CommunityForm(FlaskForm):
    """A community on the routes."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=80)])
    district = StringField(_l("District"), filters=[strip], validators=[DataRequired(), Length(max=80)])
    altitude_m = IntegerField(
        _l("Altitude (m)"), validators=[Optional(), NumberRange(min=0, max=7000)]
    )
    leader_name = StringField(_l("Leader"), filters=[empty_to_none], validators=[Optional(), Length(max=120)])
    leader_phone = StringField(_l("Leader's phone"), filters=[empty_to_none], validators=[Optional(), PHONE])
    treasurer_name = StringField(_l("Treasurer"), filters=[empty_to_none], validators=[Optional(), Length(max=120)])
    treasurer_phone = StringField(_l("Treasurer's phone"), filters=[empty_to_none], validators=[Optional(), PHONE])
    payment = FormField(PaymentDetailsForm, label=_l("Payment details"))
    notes = TextAreaField(_l("Notes"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])

    def values(self) -> dict:
        """The model values this form carries."""
        return {
            "name": self.name.data,
            "district": self.district.data,
            "altitude_m": self.altitude_m.data,
            "leader_name": self.leader_name.data,
            "leader_phone": self.leader_phone.data,
            "treasurer_name": self.treasurer_name.data,
            "treasurer_phone": self.treasurer_phone.data,
            "notes": self.notes.data,
            **self.payment.form.payment_values(),
        }


class ListFilterForm(FlaskForm):
    """Search text and archived/active filter for registry lists (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=100)])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("current", _l("In use")), SelectChoice("archived", _l("Archived")),
                 SelectChoice("all", _l("All"))],
        default="current",
        validate_choice=False,
    )
