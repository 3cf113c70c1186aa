"""Amounts in words as Peruvian receipts print them ("CIENTO VEINTE Y 00/100 SOLES")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.money import MoneyError
from app.payments.amount_words import amount_in_words


@pytest.mark.parametrize(
    "amount, words",
    [
        ("120.00", "CIENTO VEINTE Y 00/100 SOLES"),  # the example
        ("1", "UNO Y 00/100 SOLES"),
        ("21", "VEINTIUNO Y 00/100 SOLES"),
        ("100", "CIEN Y 00/100 SOLES"),
        ("101", "CIENTO UNO Y 00/100 SOLES"),
        ("1000", "MIL Y 00/100 SOLES"),  # never "UN MIL"
        ("1234.50", "MIL DOSCIENTOS TREINTA Y CUATRO Y 50/100 SOLES"),
        ("21000", "VEINTIÚN MIL Y 00/100 SOLES"),  # apocope before MIL (num2words says "veintiuno mil")
        ("1000000", "UN MILLÓN Y 00/100 SOLES"),
        ("16", "DIECISÉIS Y 00/100 SOLES"),
        ("0.05", "CERO Y 05/100 SOLES"),
        ("60.99", "SESENTA Y 99/100 SOLES"),
        ("101000", "CIENTO UN MIL Y 00/100 SOLES"),
        ("31000", "TREINTA Y UN MIL Y 00/100 SOLES"),
        ("21021", "VEINTIÚN MIL VEINTIUNO Y 00/100 SOLES"),
        ("31000000", "TREINTA Y UN MILLONES Y 00/100 SOLES"),
        ("2500000", "DOS MILLONES QUINIENTOS MIL Y 00/100 SOLES"),
        ("99999999.99", "NOVENTA Y NUEVE MILLONES NOVECIENTOS NOVENTA Y NUEVE MIL "
                        "NOVECIENTOS NOVENTA Y NUEVE Y 99/100 SOLES"),
    ],
)
def test_amounts_are_written_as_peruvian_receipts_write_them(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_a_receipt_never_says_un_mil():
    for thousands in range(1000, 2000, 37):
        assert not amount_in_words(Decimal(thousands)).startswith("UN MIL")


@pytest.mark.parametrize("bad", ["12.345", 1.5])
def test_inexact_amounts_have_no_words(bad):
    with pytest.raises(MoneyError):
        amount_in_words(bad)


def test_negative_amounts_have_no_words():
    with pytest.raises(ValueError):
        amount_in_words(Decimal("-1.00"))
