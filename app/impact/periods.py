"""Report periods: from/to dates, the presets (month, quarter, season, year), months in a range."""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date


class PeriodError(ValueError):
    """A period that cannot be reported on (reversed dates, unknown preset)."""


class Preset(str, enum.Enum):
    """The usual periods partners ask for."""

    MONTH = "month"
    QUARTER = "quarter"
    SEASON = "season"  # the dry season, May to September
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    """Calendar dates, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise PeriodError("the period ends before it starts")

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order."""
        months, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            months.append(cursor)
            cursor = next_month(cursor)
        return months

    def year_earlier(self) -> Period:
        """The same dates one year before (29 February becomes the 28th)."""
        return Period(_year_before(self.start), _year_before(self.end))


def next_month(first: date) -> date:
    """The first day of the month after `first`'s."""
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def preset_period(preset: Preset | str, year: int, number: int = 1) -> Period:
    """Month `number` (1-12), quarter `number` (1-4), the May-September season, or the year."""
    preset = Preset(preset)
    if preset == Preset.MONTH:
        if not 1 <= number <= 12:
            raise PeriodError("months are numbered 1 to 12")
        return Period(date(year, number, 1), month_end(year, number))
    if preset == Preset.QUARTER:
        if not 1 <= number <= 4:
            raise PeriodError("quarters are numbered 1 to 4")
        first = 3 * (number - 1) + 1
        return Period(date(year, first, 1), month_end(year, first + 2))
    if preset == Preset.SEASON:
        return Period(date(year, 5, 1), date(year, 9, 30))
    return Period(date(year, 1, 1), date(year, 12, 31))
