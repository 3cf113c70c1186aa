"""Operations forms. They parse and check shapes; the services check the rules."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import (
    BusinessDateField,
    MoneyField,
    NumberField,
    TextChecks,
    WholeNumberField,
    record_id,
)
from app.operations.models import Activity, DepartureStatus, NightKind
from app.registries.forms import empty_to_none, strip
from app.registries.models import StaffRole

PHONE = Regexp(r"^\+?[0-9 ()-]{6,20}$", message=_l("Phone numbers have 6 to 20 digits."))


MAX_KG = Decimal("10000")


def tenth_of_kg(form, field) -> None:
    """Weights are recorded to the tenth of a kilogram; absurd weights stop here."""
    if field.data is None:
        return
    if not -MAX_KG < field.data < MAX_KG:
        raise StopValidation(_l("Enter a weight in kilograms."))
    if field.data != field.data.quantize(Decimal("0.1")):
        raise StopValidation(_l("Weigh to the tenth of a kilogram (e.g. 19.5)."))


NIGHT_KIND_LABELS = {
    NightKind.HOMESTAY: _l("Homestay with families"),
    NightKind.CAMP: _l("Camp"),
    NightKind.HOTEL: _l("Hotel"),
    NightKind.NONE: _l("No night (trek ends)"),
}
ACTIVITY_LABELS = {
    Activity.WEAVING_WORKSHOP: _l("Weaving workshop"),
    Activity.HOT_SPRINGS: _l("Hot springs"),
    Activity.PASS_CROSSING: _l("Pass crossing"),
    Activity.LAGOON_VISIT: _l("Lagoon visit"),
    Activity.TRAIN: _l("Train"),
    Activity.MACHU_PICCHU: _l("Machu Picchu"),
}
STATUS_LABELS = {
    DepartureStatus.DRAFT: _l("Draft"),
    DepartureStatus.CONFIRMED: _l("Confirmed"),
    DepartureStatus.IN_PROGRESS: _l("In progress"),
    DepartureStatus.COMPLETED: _l("Completed"),
    DepartureStatus.CANCELLED: _l("Cancelled"),
}
ROLE_LABELS = {
    StaffRole.PORTER: _l("Porter"),
    StaffRole.ARRIERO: _l("Arriero (with mules)"),
    StaffRole.COOK: _l("Cook"),
    StaffRole.GUIDE: _l("Guide"),
}


class RouteForm(TextChecks, FlaskForm):
    """An itinerary template."""

    code = StringField(_l("Code"), filters=[lambda v: v.strip().upper() if v else v],
                       validators=[DataRequired(), Regexp(r"^[A-Z0-9]{2,6}$", message=_l("2 to 6 capital letters or digits."))],
                       description=_l("Starts each departure's code, e.g. LAR-2026-06-14-A."))
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])


class RouteDayForm(TextChecks, FlaskForm):
    """One day of a route."""

    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(_l("Description"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])
    walking_hours = WholeNumberField(_l("Walking hours"), validators=[Optional(), NumberRange(min=0, max=12)])
    night_kind = SelectField(_l("Night"), choices=[SelectChoice(k.value, label) for k, label in NIGHT_KIND_LABELS.items()])
    night_community_id = SelectField(_l("Community of the night"), coerce=record_id,
                                     validators=[Optional()],
                                     description=_l("Required for a homestay; for a camp, the community whose land it is on."))
    activities = SelectMultipleField(_l("Activities"), choices=[SelectChoice(a.value, label) for a, label in ACTIVITY_LABELS.items()],
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    activity_community_id = SelectField(_l("Community of the weaving workshop or hot springs"),
                                        coerce=record_id, validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then whether the night and its community agree (here, not as an inline
        validator: `Optional()` stops a blank community's chain before one could run)."""
        valid = super().validate(extra_validators)
        field = self.night_community_id
        if field.errors:
            return valid
        if self.night_kind.data == NightKind.HOMESTAY.value and not field.data:
            field.errors.append(_l("A homestay night needs its community."))
            return False
        if self.night_kind.data in (NightKind.HOTEL.value, NightKind.NONE.value) and field.data:
            field.errors.append(_l("Only homestay and camp nights belong to a community."))
            return False
        return valid


class DepartureForm(TextChecks, FlaskForm):
    """A departure's plan."""

    route_id = SelectField(_l("Route"), coerce=record_id, validators=[DataRequired()])
    start_date = BusinessDateField(_l("Start date"), validators=[DataRequired(message=_l("Enter a valid date."))],
                                   description=_l("The end date follows from the route's days."))
    price_per_traveller_usd = MoneyField(_l("Price per traveller (US$)"),
                                         validators=[DataRequired(), NumberRange(min=0)])
    group_min = WholeNumberField(_l("Minimum group"), default=2, validators=[DataRequired(), NumberRange(min=1, max=30)])
    group_max = WholeNumberField(_l("Maximum group"), default=12, validators=[DataRequired(), NumberRange(min=1, max=30)])
    guide_id = SelectField(_l("Guide"), coerce=record_id, validators=[Optional()])
    notes = TextAreaField(_l("Notes"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])

    def validate_group_max(self, field) -> None:
        if self.group_min.data and field.data and field.data < self.group_min.data:
            raise ValidationError(_l("The maximum cannot be below the minimum."))


class TravellerForm(TextChecks, FlaskForm):
    """A traveller on a departure."""

    full_name = StringField(_l("Full name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    nationality = StringField(_l("Nationality"), filters=[strip], validators=[DataRequired(), Length(max=60)])
    dietary_needs = StringField(_l("Dietary needs"), filters=[empty_to_none], validators=[Optional(), Length(max=200)])
    emergency_contact_name = StringField(_l("Emergency contact"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    emergency_contact_phone = StringField(_l("Emergency contact's phone"), filters=[strip], validators=[DataRequired(), PHONE])


class AssignmentForm(TextChecks, FlaskForm):
    """Put a person on a departure."""

    staff_member_id = SelectField(_l("Person"), coerce=record_id, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    daily_wage = MoneyField(_l("Agreed daily wage (S/)"), validators=[Optional()],
                            description=_l("Porters: left blank, the legal floor (3% of the year's UIT)."))
    mules = WholeNumberField(_l("Mules"), default=0, validators=[Optional(), NumberRange(min=0, max=20)])
    planned_days = WholeNumberField(_l("Planned days"), validators=[Optional(), NumberRange(min=1, max=30)],
                                    description=_l("Left blank, the whole trek."))


class AssignmentEditForm(TextChecks, FlaskForm):
    """Change the terms of an assignment."""

    daily_wage = MoneyField(_l("Agreed daily wage (S/)"), validators=[Optional()])
    mules = WholeNumberField(_l("Mules"), default=0, validators=[Optional(), NumberRange(min=0, max=20)])
    planned_days = WholeNumberField(_l("Planned days"), validators=[DataRequired(), NumberRange(min=1, max=30)])


class WelfareForm(TextChecks, FlaskForm):
    """The porter welfare checklist."""

    welfare_meals = BooleanField(_l("Three meals a day for the staff"))
    welfare_shelter = BooleanField(_l("Tent and sleeping gear for the staff"))
    welfare_clothing = BooleanField(_l("Proper clothing for the pass"))
    welfare_first_aid = BooleanField(_l("First aid and care for the sick or injured"))
    welfare_insurance = BooleanField(_l("Insurance and evacuation cover"))


class StatusForm(TextChecks, FlaskForm):
    """Move a departure to another status."""

    target = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])


class WorkshopForm(TextChecks, FlaskForm):
    """Book a weaving session."""

    association_id = SelectField(_l("Weaving association"), coerce=record_id, validators=[DataRequired()])
    day_date = SelectField(_l("Day"), validators=[DataRequired()])
    expected_participants = WholeNumberField(_l("Expected participants"),
                                             validators=[DataRequired(), NumberRange(min=1, max=30)])


class LoadLimitForm(TextChecks, FlaskForm):
    """A porter load limit in force from a date."""

    effective_from = BusinessDateField(_l("In force from"), validators=[DataRequired(message=_l("Enter a valid date."))])
    limit_kg = NumberField(_l("Company load per porter (kg)"), validators=[DataRequired(), tenth_of_kg])
    note = TextAreaField(_l("Note (source)"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])


class UitForm(TextChecks, FlaskForm):
    """The UIT of a year."""

    year = WholeNumberField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    amount = MoneyField(_l("UIT (S/)"), validators=[DataRequired()])
    note = TextAreaField(_l("Note (source)"), filters=[empty_to_none], validators=[Optional(), Length(max=2000)])


class DepartureFilterForm(TextChecks, FlaskForm):
    """Filters of the departures list (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False,
                         choices=[SelectChoice("", _l("Any")), *[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()]])
    route = SelectField(_l("Route"), validate_choice=False, coerce=record_id)
    month = StringField(_l("Month"), filters=[strip], render_kw={"type": "month"},
                        validators=[Optional(), Regexp(r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", message=_l("A month like 2026-06."))])


class LoadPlanForm(TextChecks, FlaskForm):
    """The company load; a field per porter is added for the weighed loads."""

    company_load_kg = NumberField(_l("Company load (kg)"), validators=[Optional(), tenth_of_kg, NumberRange(min=0)],
                                  description=_l("Food, tents and kitchen the porters carry; porters needed = load / limit, rounded up."))


class AllocationForm(TextChecks, FlaskForm):
    """A night's placement; a guests field per family of the community is added."""

    night = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason for differing from the rotation"), filters=[empty_to_none],
                           validators=[Optional(), Length(max=2000)])


class ActualsForm(TextChecks, FlaskForm):
    """What happened; fields per traveller, family-night, workshop and assignment are added."""


def with_fields(base: type[FlaskForm], fields: dict[str, object]) -> type[FlaskForm]:
    """A subclass of `base` with the named extra fields (rows known only at request time)."""
    return type(base.__name__, (base,), dict(fields))


def guests_field(label: str) -> WholeNumberField:
    """Guests placed with one family that night (the service checks the beds)."""
    return WholeNumberField(label, validators=[Optional(), NumberRange(min=0)])


def weighed_field(label: str) -> NumberField:
    """A porter's weighed load."""
    return NumberField(label, validators=[Optional(), tenth_of_kg, NumberRange(min=0)])


def count_field(label: str, maximum: int) -> WholeNumberField:
    """A whole count between 0 and `maximum`."""
    return WholeNumberField(label, validators=[Optional(), NumberRange(min=0, max=maximum)])


def walked_field(label: str) -> BooleanField:
    """Whether a traveller walked."""
    return BooleanField(label)
