"""Registry forms. Validation messages are translatable and name the field's rule.

Forms check the shape of each value (lengths, digits, ranges, choices); the rules that need the
database or today's date live in `services.check_record`. The CSV importer fills these same
forms from each row, so a file is held to exactly the rules of the pages.
"""

from __future__ import annotations

import enum
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.clock import today_lima
from app.forms import CONTROL_CHARACTERS, BusinessDateField, TextChecks, WholeNumberField, record_id
from app.registries.models import Gender, PaymentMethod, StaffRole
from app.registries.queries import community_choices

PHONE = Regexp(r"^\+?[0-9 ]{6,15}$", message=_l("Phone numbers have 6 to 15 digits."))
DNI = Regexp(r"^[0-9]{8}$", message=_l("A DNI has exactly 8 digits."))
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # the date input's, and Peruvian spreadsheets'


def strip(value):
    """Trim surrounding spaces from text input."""
    return value.strip() if isinstance(value, str) else value


def empty_to_none(value):
    """Store blank optional text as NULL."""
    value = strip(value)
    return value or None


def choice_value(value) -> str:
    """A choice's submitted form: an enum's value, anything else as text."""
    return value.value if isinstance(value, enum.Enum) else str(value)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


PAYMENT_METHOD_CHOICES = [
    SelectChoice(PaymentMethod.CASH.value, _l("Cash (signed receipt)")),
    SelectChoice(PaymentMethod.BANK.value, _l("Bank transfer")),
    SelectChoice(PaymentMethod.YAPE.value, _l("Yape")),
    SelectChoice(PaymentMethod.PLIN.value, _l("Plin")),
]
GENDER_CHOICES = [
    SelectChoice(Gender.FEMALE.value, _l("Woman")),
    SelectChoice(Gender.MALE.value, _l("Man")),
    SelectChoice(Gender.OTHER.value, _l("Other")),
]
STAFF_ROLE_CHOICES = [
    SelectChoice(StaffRole.PORTER.value, _l("Porter")),
    SelectChoice(StaffRole.ARRIERO.value, _l("Arriero (horseman)")),
    SelectChoice(StaffRole.COOK.value, _l("Cook")),
    SelectChoice(StaffRole.GUIDE.value, _l("Guide")),
]


def _label(choices: list[SelectChoice], value) -> str:
    """The label of a choice in the user's language ("" for None)."""
    if value is None:
        return ""
    key = choice_value(value)
    return str(next((choice.label for choice in choices if choice.value == key), key))


def gender_label(gender: Gender | None) -> str:
    """A gender's name in the user's language."""
    return _label(GENDER_CHOICES, gender)


def role_labels(roles) -> str:
    """A staff member's jobs, named in the user's language, in a fixed order."""
    return ", ".join(_label(STAFF_ROLE_CHOICES, role) for role in sorted(roles, key=choice_value))


class PaymentDetailsForm(TextChecks, Form):
    """How a payee is paid; a bank account or wallet number when the method needs one."""

    payment_method = SelectField(
        _l("Payment method"), choices=PAYMENT_METHOD_CHOICES, default=PaymentMethod.CASH.value,
        coerce=choice_value,
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

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then what the method needs (after them: `Optional` stops a field's chain)."""
        valid = super().validate(extra_validators)
        method = self.payment_method.data
        if method == PaymentMethod.BANK.value and not self.bank_account.data and not self.bank_account.errors:
            self.bank_account.errors.append(_l("A bank transfer needs the account number."))
            valid = False
        wallets = (PaymentMethod.YAPE.value, PaymentMethod.PLIN.value)
        if method in wallets and not self.wallet_phone.data and not self.wallet_phone.errors:
            self.wallet_phone.errors.append(_l("Yape and Plin payments need the phone number."))
            valid = False
        return valid

    def payment_values(self) -> dict:
        """The payment fields as model values."""
        return {
            "payment_method": PaymentMethod(self.payment_method.data),
            "bank_name": self.bank_name.data,
            "bank_account": self.bank_account.data,
            "wallet_phone": self.wallet_phone.data,
        }


class RegistryForm(TextChecks, FlaskForm):
    """A registry record's form: filled from the record on first display, choices loaded once.

    `record` is the record being edited (its community stays a choice even if archived);
    `communities` passes ready-made community choices (the importer reuses one list).
    """

    def __init__(self, *args, record=None, communities=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "community_id" in self._fields:
            if communities is None:
                communities = community_choices(include_id=getattr(record, "community_id", None))
            self.community_id.choices = self.community_blank() + list(communities)
        if record is not None and not self.is_submitted():
            self.fill_from(record)

    def community_blank(self) -> list[SelectChoice]:
        """The empty first choice of the community select."""
        return [SelectChoice("", _l("Choose…"))]

    def fill_from(self, record) -> None:
        """Show a record's current values."""
        self.process(obj=record)
        if "payment" in self._fields:
            self.payment.form.process(obj=record)

    def values(self) -> dict:
        """The model values this form carries."""
        raise NotImplementedError


class CommunityForm(RegistryForm):
    """A community on the routes."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=80)])
    district = StringField(_l("District"), filters=[strip], validators=[DataRequired(), Length(max=80)])
    altitude_m = WholeNumberField(
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


class FamilyForm(RegistryForm):
    """A homestay family."""

    community_id = SelectField(
        _l("Community"), coerce=record_id,
        validators=[InputRequired(message=_l("Choose a community."))],
    )
    household_head = StringField(
        _l("Household head"), filters=[strip], validators=[DataRequired(), Length(max=120)]
    )
    host_gender = SelectField(
        _l("Host's gender"), choices=GENDER_CHOICES, coerce=choice_value,
        validators=[InputRequired()],
    )
    beds = WholeNumberField(
        _l("Beds"),
        validators=[InputRequired(), NumberRange(min=1, max=30, message=_l("Between 1 and 30 beds."))],
    )
    phone = StringField(_l("Phone"), filters=[empty_to_none], validators=[Optional(), PHONE])
    payment = FormField(PaymentDetailsForm, label=_l("Payment details"))
    active = BooleanField(
        _l("In the homestay rotation"), default=True,
        description=_l("Only active families are offered guests."),
    )
    notes = TextAreaField(_l("Notes"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])

    def values(self) -> dict:
        """The model values this form carries."""
        return {
            "community_id": self.community_id.data,
            "household_head": self.household_head.data,
            "host_gender": Gender(self.host_gender.data),
            "beds": self.beds.data,
            "phone": self.phone.data,
            "active": bool(self.active.data),
            "notes": self.notes.data,
            **self.payment.form.payment_values(),
        }


class AssociationForm(RegistryForm):
    """A weaving association."""

    community_id = SelectField(
        _l("Community"), coerce=record_id,
        validators=[InputRequired(message=_l("Choose a community."))],
    )
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    members = WholeNumberField(
        _l("Members"),
        validators=[InputRequired(), NumberRange(min=1, max=10000, message=_l("Between 1 and 10,000 members."))],
    )
    women_members = WholeNumberField(
        _l("Women members"),
        validators=[InputRequired(), NumberRange(min=0, max=10000, message=_l("Between 0 and 10,000 members."))],
    )
    contact_name = StringField(_l("Contact"), filters=[empty_to_none], validators=[Optional(), Length(max=120)])
    contact_phone = StringField(_l("Contact's phone"), filters=[empty_to_none], validators=[Optional(), PHONE])
    payment = FormField(PaymentDetailsForm, label=_l("Payment details"))
    notes = TextAreaField(_l("Notes"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])

    def values(self) -> dict:
        """The model values this form carries."""
        return {
            "community_id": self.community_id.data,
            "name": self.name.data,
            "members": self.members.data,
            "women_members": self.women_members.data,
            "contact_name": self.contact_name.data,
            "contact_phone": self.contact_phone.data,
            "notes": self.notes.data,
            **self.payment.form.payment_values(),
        }


def at_least_one_role(form, field) -> None:
    """A staff member does at least one job."""
    if not field.data:
        raise ValidationError(_l("Choose at least one role."))


class StaffForm(RegistryForm):
    """A porter, arriero, cook or guide."""

    full_name = StringField(_l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    dni = StringField(_l("DNI"), filters=[strip], validators=[DataRequired(), DNI])
    birth_date = BusinessDateField(
        _l("Birth date"), format=DATE_FORMATS, validators=[InputRequired()],
        earliest=date(1900, 1, 1), latest=today_lima, range_message=_l("Enter a birth date in the past."),
    )
    gender = SelectField(
        _l("Gender"), choices=[SelectChoice("", "—"), *GENDER_CHOICES], coerce=choice_value, default="",
    )  # no Optional(): it would let "  " past the choice check
    community_id = SelectField(_l("Community of origin"), coerce=record_id)
    phone = StringField(_l("Phone"), filters=[empty_to_none], validators=[Optional(), PHONE])
    emergency_contact_name = StringField(
        _l("Emergency contact"), filters=[empty_to_none], validators=[Optional(), Length(max=120)]
    )
    emergency_contact_phone = StringField(
        _l("Emergency contact's phone"), filters=[empty_to_none], validators=[Optional(), PHONE]
    )
    insurance_expiry = BusinessDateField(
        _l("Insurance expires on"), format=DATE_FORMATS, validators=[Optional()],
    )
    roles = MultiCheckboxField(
        _l("Roles"), choices=STAFF_ROLE_CHOICES, coerce=choice_value, validators=[at_least_one_role],
        description=_l("Porters must be 18 or older (Ley 31614)."),
    )
    payment = FormField(PaymentDetailsForm, label=_l("Payment details"))
    notes = TextAreaField(_l("Notes"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])

    def community_blank(self) -> list[SelectChoice]:
        """Staff may come from outside the communities on the routes."""
        return [SelectChoice("", _l("None (not from a community on the routes)"))]

    def fill_from(self, record) -> None:
        """Show a staff member's current values, roles included."""
        super().fill_from(record)
        self.roles.data = sorted(role.value for role in record.roles)

    def values(self) -> dict:
        """The model values this form carries."""
        return {
            "full_name": self.full_name.data,
            "dni": self.dni.data,
            "birth_date": self.birth_date.data,
            "gender": Gender(self.gender.data) if self.gender.data else None,
            "community_id": self.community_id.data,
            "phone": self.phone.data,
            "emergency_contact_name": self.emergency_contact_name.data,
            "emergency_contact_phone": self.emergency_contact_phone.data,
            "insurance_expiry": self.insurance_expiry.data,
            "roles": {StaffRole(role) for role in self.roles.data},
            "notes": self.notes.data,
            **self.payment.form.payment_values(),
        }


# --- List filters ----------------------------------------------------------------------------


class ListFilterForm(TextChecks, FlaskForm):
    """Search text and archived/active filter for registry lists (GET, no CSRF).

    `clean()` validates and drops any value that failed, so junk in a URL filters nothing.
    """

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=100)])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("current", _l("In use")), SelectChoice("archived", _l("Archived")),
                 SelectChoice("all", _l("All"))],
        default="current",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "community" in self._fields:
            self.community.choices = [SelectChoice("", _l("Any")), *community_choices(everything=True)]

    def clean(self) -> ListFilterForm:
        """Validate; a field that fails falls back to its default."""
        self.validate()
        for field in self:
            if field.errors:
                field.data = field.default
                field.errors = []
        return self


class CommunityFilterForm(ListFilterForm):
    """Filters of the community list."""


class FamilyFilterForm(ListFilterForm):
    """Filters of the family list: community and rotation."""

    community = SelectField(_l("Community"), coerce=record_id, validators=[Optional()])
    rotation = SelectField(
        _l("Rotation"),
        choices=[SelectChoice("", _l("Any")), SelectChoice("active", _l("In the rotation")),
                 SelectChoice("inactive", _l("Out of the rotation"))],
        default="",
    )


class AssociationFilterForm(ListFilterForm):
    """Filters of the association list: community."""

    community = SelectField(_l("Community"), coerce=record_id, validators=[Optional()])


class StaffFilterForm(ListFilterForm):
    """Filters of the staff list: role, community, insurance."""

    role = SelectField(_l("Role"), choices=[SelectChoice("", _l("Any")), *STAFF_ROLE_CHOICES], default="")
    community = SelectField(_l("Community of origin"), coerce=record_id, validators=[Optional()])
    insurance = SelectField(
        _l("Insurance"),
        choices=[SelectChoice("", _l("Any")), SelectChoice("expired", _l("Expired or missing")),
                 SelectChoice("expiring", _l("Expires within 30 days"))],
        default="",
    )


# --- CSV import ------------------------------------------------------------------------------


def plain_file_name(form, field) -> None:
    """An uploaded file's name is shown and stored with its batch: no control or text-direction
    characters (NUL breaks PostgreSQL; an override shows `…exe.csv` as `…vsc.exe`)."""
    name = getattr(field.data, "filename", None) or ""
    if CONTROL_CHARACTERS.search(name):
        raise StopValidation(_l("The file's name contains control or text-direction characters: "
                                "rename the file and upload it again."))


class ImportUploadForm(TextChecks, FlaskForm):
    """A CSV file to check before anything is imported."""

    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a CSV file.")), plain_file_name,
                    FileAllowed(["csv", "txt"], message=_l("Upload a .csv file."))],
        description=_l("Comma or semicolon separated, UTF-8 or Latin-1, headers in English or Spanish."),
    )


class ImportConfirmForm(TextChecks, FlaskForm):
    """The checked batch to import."""

    token = HiddenField(validators=[DataRequired(), Length(max=64)])
