"""Form helpers shared by every capability: record ids and choices read from forms and URLs.

A record id comes from a select, a checkbox, a query string or a URL path, so it may be anything
a user types. `record_id` (and `RecordIdConverter`, the app's `<int:...>` in URLs) is the one
place that decides what an id is: a whole number from 1 to the largest PostgreSQL INTEGER.
Bigger numbers name no record, and passing them to the database raises instead of finding
nothing (SQLite: OverflowError; PostgreSQL: integer out of range).
"""

from __future__ import annotations

import enum
from typing import TypeVar

from werkzeug.routing import IntegerConverter

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
