"""Money, dates and months written the Indonesian way (PUEBI), independent of Flask."""
from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime

MONTH_NAMES_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


def format_rupiah(amount: int | None) -> str:
    """Whole Rupiah as `Rp1.500.000` (no space, dots for thousands); losses as `-Rp45.000`."""
    if amount is None:
        return "-"
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def format_long_date(value: date | datetime | None, locale: str = "id") -> str:
    """A date as `28 Agustus 2024` (or `28 August 2024` in English)."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "d MMMM y", locale=locale)


def format_month(value: date | None, locale: str = "id") -> str:
    """A period (first day of a month) as `Agustus 2024`."""
    if value is None:
        return "-"
    return format_date(value, "LLLL y", locale=locale)


def format_timestamp(value: datetime | None, locale: str = "id", tz: str = "Asia/Jakarta") -> str:
    """A moment as `28 Agu 2024 14.05` in the office's time zone."""
    if value is None:
        return "-"
    from babel.dates import get_timezone

    return format_datetime(value, "d MMM y HH.mm", tzinfo=get_timezone(tz), locale=locale)
