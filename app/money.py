"""Money: exact, in Peruvian soles (PEN), one rounding rule and one formatter.

Amounts live in Python as `Decimal` with two places and in the database as whole céntimos
(BIGINT), so sums in SQL are integer sums: exact on SQLite and PostgreSQL alike. Floats are
refused everywhere.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENTIMO = Decimal("0.01")
DEFAULT_CURRENCY = "PEN"
# Largest amount a form accepts; a guard against typos and overflow, far above any trek.
MAX_AMOUNT = Decimal("99999999.99")


# A number as a person writes it: ASCII digits, at most one decimal point, maybe a leading minus.
# `Decimal` and `int` also take `1e2`, `1_0`, `NaN` and other scripts' digits (`１２`, `١٢`);
# `1e999999999` even overflows the arithmetic that follows.
PLAIN_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class MoneyError(ValueError):
    """An amount that is not a valid exact sum of money."""


class NotPlainNumber(ValueError):
    """Text that is not a plain number (digits and at most one decimal point)."""


def plain_decimal(text: str) -> Decimal:
    """The `Decimal` a plain number spells (spaces around it allowed), else `NotPlainNumber`."""
    stripped = text.strip()
    if not PLAIN_NUMBER.fullmatch(stripped):
        raise NotPlainNumber(f"not a plain number: {text[:40]!r}")
    return Decimal(stripped)


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse an exact amount with at most two decimals; refuse floats, over-precision and text
    that is not a plain number."""
    if isinstance(value, float) or isinstance(value, bool):
        raise MoneyError("amounts must be exact: floats are not accepted")
    if isinstance(value, Decimal):
        amount = value
    else:
        try:
            amount = plain_decimal(str(value))
        except NotPlainNumber as exc:
            raise MoneyError(f"not an amount: {str(value)[:40]!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    # Size first: quantizing a huge exponent (1e309) overflows the context's precision; and
    # compare, never `abs()`: that rounds to the context and a Decimal past Emax overflows.
    if amount > MAX_AMOUNT or amount < -MAX_AMOUNT:
        raise MoneyError(f"amount too large: {value}")
    try:
        exact = amount.quantize(CENTIMO)
    except InvalidOperation as exc:  # e.g. a tiny exponent beyond the context's limits
        raise MoneyError(f"not an amount: {value!r}") from exc
    if amount != exact:
        raise MoneyError(f"more than two decimals: {value}")
    return exact


def round_money(value: Decimal) -> Decimal:
    """The one rounding rule: to the céntimo, halves away from zero."""
    return value.quantize(CENTIMO, rounding=ROUND_HALF_UP)


def to_centimos(amount: Decimal) -> int:
    """Whole céntimos of an exact amount."""
    return int(to_money(amount) * 100)


def from_centimos(centimos: int) -> Decimal:
    """The amount for a whole number of céntimos."""
    return (Decimal(int(centimos)) / 100).quantize(CENTIMO)


def format_money(amount: Decimal | None, currency: str = DEFAULT_CURRENCY) -> str:
    """`S/ 1,234.50` for soles, `US$ 1,234.50` for dollars; negatives as `-S/ 12.00`."""
    if amount is None:
        return ""
    symbol = {"PEN": "S/", "USD": "US$"}.get(currency, currency)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol} {abs(round_money(Decimal(amount))):,.2f}"


class Money(TypeDecorator):
    """A column of exact money: `Decimal` in Python, whole céntimos in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect) -> int | None:
        if value is None:
            return None
        return to_centimos(value)

    def process_result_value(self, value, dialect) -> Decimal | None:
        if value is None:
            return None
        return from_centimos(value)
