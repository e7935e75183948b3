"""Dates and amounts in each language's own way (bot/locale_format.py, Babel's CLDR data). English is
written exactly as before Babel, because the corpus and the benchmark pin it."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bot.locale_format import amount, long_day, money

DAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize("language, expected, with_weekday", [
    ("en", "4 December 2026", "Friday 4 December 2026"),
    ("de", "4. Dezember 2026", "Freitag, 4. Dezember 2026"),
    ("fr", "4 décembre 2026", "vendredi 4 décembre 2026"),
    ("es", "4 de diciembre de 2026", "viernes, 4 de diciembre de 2026"),
    ("it", "4 dicembre 2026", "venerdì 4 dicembre 2026"),
    ("zh", "2026年12月4日", "2026年12月4日星期五"),
])
def test_a_day_as_each_language_writes_it(language, expected, with_weekday):
    assert long_day(DAY, language) == expected
    assert long_day(datetime(2026, 12, 4, 23, 59), language) == expected
    assert long_day(DAY, language, weekday=True) == with_weekday


@pytest.mark.parametrize("language, usd, eur", [
    ("en", "1234.50 USD", "9.99 EUR"),
    ("de", "1.234,50\xa0$", "9,99\xa0€"),
    ("fr", "1\u202f234,50\xa0$US", "9,99\xa0€"),
    ("es", "1.234,50\xa0US$", "9,99\xa0€"),
    ("it", "1.234,50\xa0USD", "9,99\xa0€"),
    ("zh", "US$1,234.50", "€9.99"),
])
def test_an_amount_as_each_language_writes_it(language, usd, eur):
    assert money(Decimal("1234.5"), "USD", language) == usd
    assert money(Decimal("9.99"), "EUR", language) == eur


def test_a_price_beside_its_code_and_english_as_the_order_holds_it():
    assert amount(Decimal("9.99"), "de") == "9,99" and amount(Decimal("9"), "fr") == "9,00"
    assert amount(Decimal("89.99"), "zh") == "89.99"
    assert amount(Decimal("24.00"), "en") == "24.00"


def test_an_unknown_language_is_written_as_english():
    assert long_day(DAY, "tlh") == "4 December 2026" and money(Decimal("5"), "GBP", "") == "5.00 GBP"
    assert long_day(DAY, "en_GB") == "4 December 2026"
