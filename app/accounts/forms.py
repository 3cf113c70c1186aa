"""Sign-in, language, password and user-administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    ValidationError,
)

from app.accounts.roles import Role
from app.accounts.services import MIN_PASSWORD_LENGTH
from app.forms import TextChecks
from app.navigation import role_label

LANGUAGE_CHOICES = [SelectChoice("es", "Español"), SelectChoice("en", "English")]


def strip(value):
    """Trim surrounding spaces from text input."""
    return value.strip() if isinstance(value, str) else value


def role_choices(blank_label=None) -> list[SelectChoice]:
    """The roles as select options, named in the user's language (optionally an 'any' first)."""
    choices = [SelectChoice("", blank_label)] if blank_label is not None else []
    return choices + [SelectChoice(role.value, role_label(role)) for role in Role]


def new_password_field(label) -> PasswordField:
    """A new password: the minimum length, and a sane maximum."""
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, max=200,
                   message=_l("Passwords have %(min)d to %(max)d characters.",
                              min=MIN_PASSWORD_LENGTH, max=200)),
        ],
    )


def confirm_password_field() -> PasswordField:
    """The new password again, so a typo does not lock anyone out."""
    return PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class LoginForm(TextChecks, FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class LanguageForm(TextChecks, FlaskForm):
    """The interface language (the switch in the top bar)."""

    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[DataRequired()])


class AccountForm(TextChecks, FlaskForm):
    """What a user sets for themself: the interface language."""

    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[DataRequired()])


class ChangePasswordForm(TextChecks, FlaskForm):
    """A user changes their own password, giving the current one."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )
    password = new_password_field(_l("New password"))
    confirm = confirm_password_field()


class PasswordResetForm(TextChecks, FlaskForm):
    """An administrator sets a new password for someone who lost theirs."""

    password = new_password_field(_l("New password"))
    confirm = confirm_password_field()


class UserCreateForm(TextChecks, FlaskForm):
    """A new account: who, which role, which language, and for partners, which organisation."""

    email = EmailField(_l("Email"), filters=[strip],
                       validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), filters=[strip],
                            validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="es",
                           validators=[DataRequired()])
    partner_id = SelectField(
        _l("Partner organisation"),
        description=_l("Only for partner users: the organisation whose reports they read."),
    )
    password = new_password_field(_l("Password"))
    confirm = confirm_password_field()

    def __init__(self, partners, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(_l("Choose a role"))  # no silent default: admin is one
        self.partner_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(partner.id), partner.name) for partner in partners
        ]

    def validate_partner_id(self, field) -> None:
        if self.role.data == Role.PARTNER.value and not field.data:
            raise ValidationError(_l("Partner users must belong to a partner organisation."))
        if self.role.data != Role.PARTNER.value and field.data:
            raise ValidationError(_l("Only partner users belong to a partner organisation."))

    def partner_value(self) -> int | None:
        """The chosen organisation's id, or None."""
        return int(self.partner_id.data) if self.partner_id.data else None


class UserFilterForm(TextChecks, FlaskForm):
    """Search by name or email, filter by role (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All")), SelectChoice("active", _l("Active")),
                 SelectChoice("inactive", _l("Deactivated"))],
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(_l("Any"))
