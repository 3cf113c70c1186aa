"""Money: exact, in Peruvian soles (PEN), one rounding rule and one formatter.

Amounts live in Python as `Decimal` with two places and in the database as whole céntimos
(BIGINT), so sums in SQL are integer sums: exact on SQLite and PostgreSQL alike. Floats are
refused everywhere.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENTIMO = Decimal("0.01")
DEFAULT_CURRENCY = "PEN"
# Largest amount a form accepts; a guard against typos and overflow, far above any trek.
MAX_AMOUNT = Decimal("99999999.99")


class MoneyError(ValueError):
    """An amount that is not a valid exact sum of money."""


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse an exact amount with at most two decimals; refuse floats and over-precision."""
    if isinstance(value, float) or isinstance(value, bool):
        raise MoneyError("amounts must be exact: floats are not accepted")
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    # Size first: quantizing a huge exponent (1e309) overflows the context's precision.
    if abs(amount) > MAX_AMOUNT:
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
