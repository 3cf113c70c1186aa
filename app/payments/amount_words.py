"""Amounts in words, the way Peruvian receipts write them: "CIENTO VEINTE Y 00/100 SOLES".

The whole soles are spelled out in capitals, the céntimos follow as a fraction of 100, and the
currency closes the line. Choices, following Peruvian invoicing usage and the RAE:

- The integer is written as a bare number, not as an adjective of "soles" (the fraction sits in
  between), so 1 is "UNO Y 00/100 SOLES" and 21 is "VEINTIUNO Y 00/100 SOLES".
- Before "MIL" and "MILLONES" the apocope is used, as in any Spanish number: 21,000 is
  "VEINTIÚN MIL", 31,000,000 "TREINTA Y UN MILLONES", 101,000 "CIENTO UN MIL"
  (num2words writes "veintiuno mil", which no receipt does).
- 1,000 is "MIL", never "UN MIL"; 1,000,000 is "UN MILLÓN".
- Capitals keep their accents (RAE: "VEINTIÚN", "DIECISÉIS", "MILLÓN"); the receipt font has them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from num2words import num2words

from app.money import to_money

_APOCOPE_VEINTIUNO = re.compile(r"\bveintiuno (?=mil\b|millones\b)")
_APOCOPE_UNO = re.compile(r"\buno (?=mil\b|millones\b)")


def integer_in_words(number: int) -> str:
    """A whole number in Spanish capitals, with the apocope before MIL and MILLONES."""
    if number < 0:
        raise ValueError("amounts in words are for non-negative amounts")
    words = num2words(number, lang="es")
    words = _APOCOPE_VEINTIUNO.sub("veintiún ", words)
    words = _APOCOPE_UNO.sub("un ", words)
    return words.upper()


def amount_in_words(amount: Decimal, currency_name: str = "SOLES") -> str:
    """`Decimal("1234.50")` → "MIL DOSCIENTOS TREINTA Y CUATRO Y 50/100 SOLES"."""
    exact = to_money(amount)
    if exact < 0:
        raise ValueError("amounts in words are for non-negative amounts")
    centimos = int(exact * 100)
    soles, cents = divmod(centimos, 100)
    return f"{integer_in_words(soles)} Y {cents:02d}/100 {currency_name}"
