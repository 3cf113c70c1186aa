"""Gini, median and shares on distributions whose answers are known."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.impact.measures import gini, median, ratio
from app.impact.periods import Period, PeriodError, Preset, preset_period


@pytest.mark.parametrize("values, expected", [
    ([100, 100, 100, 100], D("0")),  # everyone equal
    ([0, 0, 0, 100], D("0.7500")),  # one of four holds all: (n - 1) / n
    ([0, 100], D("0.5000")),
    ([1, 2, 3, 4, 5], D("0.2667")),  # textbook: 4/15
    ([D("240"), D("60"), D("0")], D("0.5333")),
    ([7], D("0")),
])
def test_gini_of_known_distributions(values, expected):
    assert gini(values) == expected


def test_gini_is_undefined_with_nobody_or_no_income():
    assert gini([]) is None
    assert gini([0, 0, 0]) is None


def test_gini_refuses_negative_income():
    with pytest.raises(ValueError):
        gini([10, -1])


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=40))
def test_gini_matches_the_mean_absolute_difference_definition(values):
    total = sum(values)
    if total == 0:
        assert gini(values) is None
        return
    n = len(values)
    definition = D(sum(abs(a - b) for a in values for b in values)) / (2 * n * D(total))
    assert abs(gini(values) - definition) <= D("0.00005")
    assert D(0) <= gini(values) <= D(n - 1) / n + D("0.00005")


def test_median_and_ratio():
    assert median([4, 1, 3]) == 3
    assert median([1, 4]) == D("2.5")
    assert median([]) is None
    assert ratio(1, 3) == D("0.3333")
    assert ratio(5, 0) is None


def test_period_presets():
    assert preset_period(Preset.MONTH, 2026, 2) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert preset_period(Preset.QUARTER, 2026, 3) == Period(date(2026, 7, 1), date(2026, 9, 30))
    assert preset_period(Preset.SEASON, 2026) == Period(date(2026, 5, 1), date(2026, 9, 30))
    assert preset_period(Preset.YEAR, 2025) == Period(date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(PeriodError):
        preset_period(Preset.QUARTER, 2026, 5)


def test_period_months_and_the_year_before():
    period = Period(date(2024, 2, 29), date(2024, 4, 2))
    assert period.months() == [date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]
    assert period.year_earlier() == Period(date(2023, 2, 28), date(2023, 4, 2))
    with pytest.raises(PeriodError):
        Period(date(2026, 2, 1), date(2026, 1, 1))
