"""Money, numbers, months and dates written through Babel in the reader's language.

Indonesian readers get `id`; English readers get `en_ID`, Babel's English as written in
Indonesia, so amounts read `Rp1.500.000` in both and a figure copied from a page parses back
in any form. Without a request (commands, tests) Indonesian is used; letters, which are
official Indonesian documents, always pass `"id"`.
"""
from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask_babel import get_locale

from kube.core.clock import OFFICE_TIMEZONE

#: The formatting locale of each interface language.
FORMAT_LOCALES = {"id": "id", "en": "en_ID"}
DEFAULT_LANGUAGE = "id"
#: What a missing value is shown as.
NOTHING = "-"

LocaleLike = Locale | str | None


def current_locale() -> Locale:
    """The request's Babel locale, or Indonesian where there is no request."""
    return get_locale() or Locale.parse(FORMAT_LOCALES[DEFAULT_LANGUAGE])


def current_language() -> str:
    """The interface language of this request: `id` or `en`."""
    return current_locale().language


def _locale(locale: LocaleLike) -> Locale | str:
    return current_locale() if locale is None else locale


def format_rupiah(amount: int | None, locale: LocaleLike = None) -> str:
    """Whole Rupiah: `Rp1.500.000`, losses as `-Rp45.000`."""
    if amount is None:
        return NOTHING
    return babel_numbers.format_currency(int(amount), "IDR", locale=_locale(locale))


def format_compact_rupiah(amount: float, locale: LocaleLike = None) -> str:
    """A short amount for chart axes: `Rp1,5 jt`, `Rp500 rb`, `-Rp200 rb`."""
    return babel_numbers.format_compact_currency(amount, "IDR", locale=_locale(locale), fraction_digits=1)


def format_number(value: int | float | None, locale: LocaleLike = None) -> str:
    """A count or quantity with the reader's grouping: `1.234`."""
    if value is None:
        return NOTHING
    return babel_numbers.format_decimal(value, locale=_locale(locale))


def format_percent(share: float | None, locale: LocaleLike = None) -> str:
    """A share between 0 and 1 as a whole percentage: `87%`."""
    if share is None:
        return NOTHING
    return babel_numbers.format_percent(share, locale=_locale(locale))


def format_amount_input(amount: int | None) -> str:
    """An amount as a form field shows it for editing: `1.500.000`, which `parse_rupiah` reads back."""
    return "" if amount is None else babel_numbers.format_decimal(amount, locale=FORMAT_LOCALES["id"])


def format_long_date(value: date | datetime | None, locale: LocaleLike = None) -> str:
    """A date as `28 Agustus 2024` (`28 August 2024`)."""
    if value is None:
        return NOTHING
    if isinstance(value, datetime):
        value = value.date()
    return babel_dates.format_date(value, "d MMMM y", locale=_locale(locale))


def format_day_month(value: date, locale: LocaleLike = None) -> str:
    """A day without its year, for a date the sentence places in a year already: `10 Desember`."""
    return babel_dates.format_date(value, "d MMMM", locale=_locale(locale))


def format_month(value: date | None, locale: LocaleLike = None) -> str:
    """A month (its first day) as `Agustus 2024`."""
    if value is None:
        return NOTHING
    return babel_dates.format_date(value, "LLLL y", locale=_locale(locale))


def format_month_name(value: date, locale: LocaleLike = None) -> str:
    """A month's name alone: `Agustus`."""
    return babel_dates.format_date(value, "LLLL", locale=_locale(locale))


def format_short_month(value: date, locale: LocaleLike = None) -> str:
    """A month for a chart axis: `Agu 24`."""
    return babel_dates.format_date(value, "LLL yy", locale=_locale(locale))


def format_month_range(first: date, last: date, locale: LocaleLike = None) -> str:
    """Months from `first` to `last`: `Januari–Juni 2025`, `November 2024–April 2025`, or one month."""
    return babel_dates.format_interval(first, last, "yMMMM", locale=_locale(locale))


def format_timestamp(value: datetime | None, locale: LocaleLike = None) -> str:
    """A moment as `28 Agu 2024 14.05`, in the office's time zone."""
    if value is None:
        return NOTHING
    return babel_dates.format_datetime(value, "d MMM y HH.mm", tzinfo=OFFICE_TIMEZONE, locale=_locale(locale))
