"""The arithmetic of the report: Gini coefficient, median, shares. Pure functions, exact Decimals."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

RATIO_PLACES = Decimal("0.0001")


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """`part / whole` to four places (0.2345 = 23.45 %); None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def gini(values: Iterable[Decimal | int]) -> Decimal | None:
    """Gini coefficient of non-negative amounts: 0 when all equal, (n-1)/n when one holds all.

    G = sum_i sum_j |x_i - x_j| / (2 n^2 mean), computed exactly as
    2 * sum(i * x_(i)) / (n * sum x) - (n + 1) / n over the sorted values (i from 1).
    None when there are no values or they sum to zero (nobody earned: no spread to measure).
    """
    ordered = sorted(Decimal(value) for value in values)
    if any(value < 0 for value in ordered):
        raise ValueError("the Gini coefficient needs non-negative values")
    n = len(ordered)
    total = sum(ordered, Decimal(0))
    if n == 0 or total == 0:
        return None
    weighted = sum((index * value for index, value in enumerate(ordered, start=1)), Decimal(0))
    coefficient = 2 * weighted / (n * total) - Decimal(n + 1) / n
    return coefficient.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def median(values: Iterable[int | Decimal]) -> Decimal | None:
    """The median (mean of the middle two for an even count); None for no values."""
    ordered = sorted(Decimal(value) for value in values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
