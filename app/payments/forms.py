"""Payment forms. Each carries a signed token holding its idempotency key, bound to its payee.

The key (a UUID4) is made when the form is rendered and travels in a hidden field, signed with
the app's secret together with what the form is for (`payment:family:12`, `batch`): a key made up
by hand, or lifted from another payee's form, fails the signature and is refused as forged.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from app.clock import today_lima
from app.forms import BusinessDateField, MoneyField, TextChecks, required_record_id
from app.payments.errors import IdempotencyKeyInvalid
from app.payments.models import PaymentStatus
from app.payments.payees import PAYEE_KIND_LABELS
from app.registries.forms import PAYMENT_METHOD_CHOICES, empty_to_none, strip
from app.registries.models import PaymentMethod

FORM_TOKEN_SALT = "lares-payment-form"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=FORM_TOKEN_SALT)


def issue_form_token(scope: str) -> str:
    """A fresh idempotency key, signed together with what the form is for."""
    return _serializer().dumps({"key": str(uuid.uuid4()), "for": scope})


def read_form_token(token: str | None, scope: str) -> str:
    """The idempotency key of a form token issued for `scope`, or `IdempotencyKeyInvalid`."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature as exc:
        raise IdempotencyKeyInvalid(_("This form's payment key is not valid (forged or damaged); "
                                      "reload the form and try again.")) from exc
    if not isinstance(data, dict) or data.get("for") != scope:
        raise IdempotencyKeyInvalid(_("This form's payment key was issued for another payee or batch; "
                                      "reload the form and try again."))
    return str(data.get("key"))


def payment_scope(payee_kind: str, payee_id: int) -> str:
    """What a payment form's token is bound to."""
    return f"payment:{payee_kind}:{int(payee_id)}"


BATCH_SCOPE = "batch"


class AboveZero:
    """An amount (a `MoneyField`'s, already exact) above zero."""

    def __call__(self, form, field) -> None:
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("The amount must be greater than zero."))


class NotInFuture:
    """A date no later than today in Lima."""

    def __call__(self, form, field) -> None:
        if field.data and field.data > today_lima():
            raise ValidationError(_l("A payment cannot be dated in the future."))


class PaymentForm(TextChecks, FlaskForm):
    """Pay one payee against some of its open obligations."""

    obligations = SelectMultipleField(
        _l("Obligations to pay"), coerce=required_record_id, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        # The service checks each one (the payee's, not voided, still owed), so that a resubmitted
        # form whose obligations are settled by now reaches it and gets its payment back.
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose at least one obligation to pay."))],
    )
    amount = MoneyField(_l("Amount (S/)"), widget=TextInput(), validators=[InputRequired(), AboveZero()],
                         description=_l("Paid to the oldest chosen obligations first; less than the total is a partial payment."))
    method = SelectField(_l("Payment method"), choices=PAYMENT_METHOD_CHOICES, default=PaymentMethod.CASH.value)
    reference = StringField(_l("Operation number"), filters=[empty_to_none],
                            validators=[Optional(), Length(max=80)],
                            description=_l("Required for bank transfers, Yape and Plin."))
    payment_date = BusinessDateField(_l("Payment date"), default=lambda: today_lima(),
                                     validators=[InputRequired(), NotInFuture()])
    note = TextAreaField(_l("Note"), filters=[empty_to_none], validators=[Optional(), Length(max=1000)])
    form_token = HiddenField()

    def validate_reference(self, field) -> None:
        if self.method.data != PaymentMethod.CASH.value and not field.data:
            raise ValidationError(_l("Bank transfers, Yape and Plin payments need the operation number."))


class VoidForm(TextChecks, FlaskForm):
    """Void a payment, saying why."""

    reason = TextAreaField(_l("Why is this payment voided?"), filters=[strip],
                           validators=[DataRequired(), Length(max=1000)])


class ApproveForm(TextChecks, FlaskForm):
    """Approve a pending payment (a CSRF-protected button)."""


class BatchFilterForm(TextChecks, FlaskForm):
    """Which obligations a batch run pays: a community (or all) and a cut-off date (GET, no CSRF)."""

    class Meta:
        csrf = False

    community = SelectField(_l("Community"), validate_choice=False)
    cutoff = BusinessDateField(_l("Services up to"), default=lambda: today_lima(), validators=[InputRequired()])


class BatchRunForm(TextChecks, FlaskForm):
    """Confirm a batch run (the preview's community and cut-off travel in hidden fields)."""

    community = HiddenField()
    cutoff = HiddenField()
    payment_date = BusinessDateField(_l("Payment date"), default=lambda: today_lima(),
                                     validators=[InputRequired(), NotInFuture()])
    form_token = HiddenField()


class ThresholdForm(TextChecks, FlaskForm):
    """A new approval threshold from a date on."""

    amount = MoneyField(_l("Threshold (S/)"), widget=TextInput(), validators=[InputRequired(), AboveZero()],
                         description=_l("Payments above this amount need a second person's approval."))
    effective_from = BusinessDateField(_l("From"), default=lambda: today_lima(), validators=[InputRequired()])
    note = StringField(_l("Note"), filters=[empty_to_none], validators=[Optional(), Length(max=255)])


STATUS_CHOICES = [
    SelectChoice("", _l("Any status")),
    SelectChoice(PaymentStatus.PENDING.value, _l("Pending approval")),
    SelectChoice(PaymentStatus.POSTED.value, _l("Posted")),
    SelectChoice(PaymentStatus.VOIDED.value, _l("Voided")),
]


class PaymentFilterForm(TextChecks, FlaskForm):
    """Filters of the payments list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Payee"), filters=[strip], validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="", validate_choice=False)
    method = SelectField(_l("Method"), choices=[SelectChoice("", _l("Any method")), *PAYMENT_METHOD_CHOICES],
                         default="", validate_choice=False)
    payee_kind = SelectField(
        _l("Payee kind"), default="", validate_choice=False,
        choices=[SelectChoice("", _l("Any kind")),
                 *(SelectChoice(kind.value, label) for kind, label in PAYEE_KIND_LABELS.items())],
    )
    date_from = BusinessDateField(_l("From"), validators=[Optional()])
    date_to = BusinessDateField(_l("To"), validators=[Optional()])
