"""Form plumbing shared by every capability: record ids and choices read from forms and URLs,
and the one strict kind of each field a person types into (numbers, money, dates, text).

A record id comes from a select, a checkbox, a query string or a URL path, so it may be anything
a user types. `record_id` (and `RecordIdConverter`, the app's `<int:...>` in URLs) is the one
place that decides what an id is: a whole number from 1 to the largest PostgreSQL INTEGER.
Bigger numbers name no record, and passing them to the database raises instead of finding
nothing (SQLite: OverflowError; PostgreSQL: integer out of range).

Numbers are typed as plain digits with at most one decimal point (`NumberField`,
`WholeNumberField`, `MoneyField`): Python alone would also take `1e2`, `1_0` and other scripts'
digits, and `1e999999999` overflows what follows. Business dates lie between 2000 and 2100
(`BusinessDateField`, `BusinessMonthField`): a day or a year past `date.max` overflows, and the
database refuses years it cannot store. Text never carries control or text-direction
characters (`TextChecks`): they break PostgreSQL (NUL) or make a name read other than it is.
"""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from wtforms import DateField, DecimalField, IntegerField, PasswordField, StringField
from wtforms.fields import MonthField
from wtforms.validators import StopValidation, ValidationError

from app.money import MAX_AMOUNT, MoneyError, NotPlainNumber, plain_decimal, to_money

MAX_RECORD_ID = 2**31 - 1

E = TypeVar("E", bound=enum.Enum)


def record_id(value) -> int | None:
    """Coerce for id-carrying fields: blank is None, else a whole number 1..2**31-1 or ValueError.

    As a field's `coerce`, the ValueError becomes the field's error (a form re-rendered with it).
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("not a record id")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_RECORD_ID))):
            raise ValueError("not a record id")
        number = int(text)
    if not 1 <= number <= MAX_RECORD_ID:
        raise ValueError("not a record id")
    return number


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits up to 2**31-1, so a bigger id is a plain 404.

    Registered as the app's `int` converter before any blueprint, so no route can forget it.
    """

    regex = r"[0-9]+"  # werkzeug's \d+ also matches other scripts' digits (١٢)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_RECORD_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def id_or_none(value) -> int | None:
    """A filter's record id, or None when the value is not one (the filter is then ignored)."""
    try:
        return record_id(value)
    except ValueError:
        return None


def enum_or_none(enum_class: type[E], value) -> E | None:
    """A filter's enum member by value, or None when the value names none (the filter is ignored)."""
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


def required_record_id(value) -> int:
    """Coerce for a list of ids (checkboxes): like `record_id`, but a blank is refused too."""
    number = record_id(value)
    if number is None:
        raise ValueError("not a record id")
    return number


# --- Numbers ---------------------------------------------------------------------------------

PLAIN_NUMBER_MESSAGE = _l("Enter a number with digits and at most one decimal point, e.g. 1234.50.")
WHOLE_NUMBER_MESSAGE = _l("Enter a whole number with digits only, e.g. 12.")
TOO_LARGE_MESSAGE = _l("This number is too large.")
MONEY_PLACES_MESSAGE = _l("Enter an amount with at most two decimals.")
MONEY_SIZE_MESSAGE = _l("Enter an amount of at most 99,999,999.99.")
WHOLE_NUMBER = re.compile(r"-?[0-9]+")


class _ParseErrorStops:
    """The parse error is the field's one message: `DataRequired` would replace it with "this
    field is required" and range checks would add theirs about a number nobody typed."""

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()
        super().pre_validate(form)


class NumberField(_ParseErrorStops, DecimalField):
    """A decimal number typed as plain digits with at most one decimal point (a `Decimal`)."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = str(valuelist[0])
        self.data = None
        if text.strip():
            self.data = self.parse(text)

    def parse(self, text: str):
        """The value `text` stands for, or ValueError with the message to show."""
        try:
            return plain_decimal(text)
        except NotPlainNumber as exc:
            raise ValueError(PLAIN_NUMBER_MESSAGE) from exc


class MoneyField(NumberField):
    """An exact amount: a plain number with at most two decimals, up to `MAX_AMOUNT` either side
    of zero (ranges such as "above zero" are the form's validators)."""

    def parse(self, text: str):
        """The amount, quantized to the céntimo, or ValueError with the message to show."""
        amount = super().parse(text)
        if amount > MAX_AMOUNT or amount < -MAX_AMOUNT:
            raise ValueError(MONEY_SIZE_MESSAGE)
        try:
            return to_money(amount)
        except MoneyError as exc:
            raise ValueError(MONEY_PLACES_MESSAGE) from exc


class WholeNumberField(_ParseErrorStops, IntegerField):
    """A whole number typed as plain digits (maybe a leading minus), within a database INTEGER."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        self.data = None
        if not text:
            return
        if not WHOLE_NUMBER.fullmatch(text):
            raise ValueError(WHOLE_NUMBER_MESSAGE)
        if len(text.lstrip("-")) > len(str(MAX_RECORD_ID)) or abs(int(text)) > MAX_RECORD_ID:
            raise ValueError(TOO_LARGE_MESSAGE)
        self.data = int(text)


# --- Dates -----------------------------------------------------------------------------------

# The days any business record may carry: treks, payments, rates, periods, parameters.
FIRST_BUSINESS_DAY, LAST_BUSINESS_DAY = date(2000, 1, 1), date(2100, 12, 31)
BUSINESS_DATE_MESSAGE = _l("Enter a date between 2000 and 2100.")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_business_date(day: date) -> bool:
    """True for a day between FIRST_BUSINESS_DAY and LAST_BUSINESS_DAY."""
    return FIRST_BUSINESS_DAY <= day <= LAST_BUSINESS_DAY


def business_date_or_none(text: str | None) -> date | None:
    """A `YYYY-MM-DD` business date from a hidden field or a URL, or None when it is not one."""
    if not text or not ISO_DATE.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if is_business_date(day) else None


class _BusinessRange:
    """Refuse digits of other scripts and days outside the range (the message says the range;
    no date is left in `data` for a view that reads it regardless). The range is the business
    one unless a field is given its own: `earliest`, `latest` (a date, or a callable such as
    today) and `range_message`."""

    def __init__(self, *args, earliest: date = FIRST_BUSINESS_DAY, latest=LAST_BUSINESS_DAY,
                 range_message=BUSINESS_DATE_MESSAGE, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.earliest, self.latest, self.range_message = earliest, latest, range_message

    def process_formdata(self, valuelist) -> None:
        if valuelist and not all(str(value).isascii() for value in valuelist):
            self.data = None
            raise ValueError(self.gettext("Not a valid date value."))
        super().process_formdata(valuelist)

    def pre_validate(self, form) -> None:
        latest = self.latest() if callable(self.latest) else self.latest
        if self.data is not None and not self.earliest <= self.data <= latest:
            self.data = None
            raise StopValidation(self.range_message)
        super().pre_validate(form)


class BusinessDateField(_BusinessRange, DateField):
    """A day between 2000 and 2100 (`YYYY-MM-DD`, or the formats given), or in its own range."""


class BusinessMonthField(_BusinessRange, MonthField):
    """A month between 2000 and 2100 (`YYYY-MM`); `data` is its first day."""


# --- Text ------------------------------------------------------------------------------------

# C0 and C1 controls but tab and line breaks (NUL breaks PostgreSQL, others hide text), and the
# bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which make a
# name on a receipt read other than it was typed.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARACTERS_MESSAGE = _l("This text contains control or text-direction characters.")


def refuse_control_characters(form, field) -> None:
    """Text never carries control or text-direction characters."""
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE)


class TextChecks:
    """Every text field of the form refuses control and text-direction characters (subforms
    carry their own `TextChecks`). Passwords are left alone: they are never shown."""

    def validate(self, extra_validators=None):
        """Validate, with `refuse_control_characters` added to every text field."""
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                extra.setdefault(name, []).append(refuse_control_characters)
        return super().validate(extra)
