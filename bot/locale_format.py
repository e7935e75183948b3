"""Dates and amounts as the customer's language writes them, for the catalogue's sentences (pure).

Every date or amount that goes into a sentence is written here, so a German customer reads
"4. Dezember 2026" and "9,99 $" and a Chinese one "2026年12月4日" and "US$9.99" (Babel's CLDR data:
the order of day and month, the decimal comma, where the currency sign goes).

English stays exactly as it was written before Babel ("4 December 2026", "9.99 USD", "1234.50 USD"):
the conversation corpus, the benchmark and the merchants' own pages pin that wording, and an ISO code
after the amount is unambiguous for a shop that sells in several currencies. A language Babel does not
know is written as English is.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Union

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_timedelta
from babel.numbers import format_currency, format_decimal

ENGLISH = "en"
_ENGLISH_DAY = "d MMMM y"  # "4 December 2026"
_ENGLISH_WEEKDAY = "EEEE d MMMM y"  # "Friday 4 December 2026"

Number = Union[Decimal, int, float, str]


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language or ENGLISH)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(ENGLISH)


def _english(language: str) -> bool:
    return _locale(language).language == ENGLISH


def long_day(moment: Union[date, datetime], language: str = ENGLISH, weekday: bool = False) -> str:
    """A day as a sentence names it: "4 December 2026", "4. Dezember 2026", "2026年12月4日";
    with `weekday`, "Friday 4 December 2026", "Freitag, 4. Dezember 2026"."""
    day = moment.date() if isinstance(moment, datetime) else moment
    if _english(language):
        return format_date(day, _ENGLISH_WEEKDAY if weekday else _ENGLISH_DAY, locale=ENGLISH)
    return format_date(day, "full" if weekday else "long", locale=_locale(language))


def ago(elapsed: timedelta, language: str = ENGLISH) -> str:
    """How long ago, as the language says it: "3 hours ago", "vor 3 Stunden", "il y a 3 heures",
    "3小时前". Rounded to the largest unit that fits once (90 minutes is "2 hours ago"), never less
    than a minute."""
    elapsed = max(elapsed, timedelta(minutes=1))
    return format_timedelta(-elapsed, granularity="minute", threshold=1, add_direction=True, format="long",
                            locale=_locale(language))


def money(amount: Number, currency: str, language: str = ENGLISH) -> str:
    """An amount in its currency: "9.99 USD" in English, "9,99 $" in German, "US$9.99" in Chinese."""
    value = Decimal(str(amount))
    if _english(language):
        return f"{value:.2f} {currency}"
    return format_currency(value, currency, locale=_locale(language))


def amount(value: Number, language: str = ENGLISH) -> str:
    """A price without its currency (a button's "{price} {currency}"): "9.99", "9,99"."""
    if _english(language):
        return str(value)  # as the order holds it, as before
    return format_decimal(Decimal(str(value)), format="#,##0.00", locale=_locale(language))
