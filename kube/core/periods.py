"""Monthly periods (`YYYY-MM`): parsing, arithmetic and month indexes."""
from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> date:
    """Turn `2025-06` into date(2025, 6, 1); raise ValueError on anything else."""
    match = _PERIOD_RE.match((text or "").strip())
    if not match:
        raise ValueError(f"bukan periode YYYY-MM: {text!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_period(value: date) -> str:
    """Turn a month's date into `YYYY-MM`."""
    return f"{value.year:04d}-{value.month:02d}"


def month_index(value: date) -> int:
    """year*12 + month, so months keep their real distance."""
    return value.year * 12 + value.month


@lru_cache(maxsize=1024)  # the flags refresh asks for the same few dozen months again and again
def from_month_index(index: int) -> date:
    """The first day of the month with this index."""
    year, month = divmod(index - 1, 12)
    return date(year, month + 1, 1)


def add_months(value: date, months: int) -> date:
    """The first day of the month `months` after (or before) this one."""
    return from_month_index(month_index(value) + months)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier, or that month's last day when it is shorter (31 March -> 28 February)."""
    first = add_months(day, -months)
    return first.replace(day=min(day.day, calendar.monthrange(first.year, first.month)[1]))


@lru_cache(maxsize=1024)  # as from_month_index: every flag's details name its months
def format_month_index(index: int) -> str:
    """A month index as `YYYY-MM` (the form flag details and the API use)."""
    return format_period(from_month_index(index))


def first_of_month(value: date) -> date:
    """The first day of the month containing this date."""
    return value.replace(day=1)


def last_complete_month(today: date) -> date:
    """The latest month that has ended on `today`: the month before `today`'s."""
    return add_months(first_of_month(today), -1)


def months_ending(last: date, count: int) -> list[date]:
    """`count` months up to and including `last`, oldest first."""
    return [add_months(last, offset) for offset in range(1 - count, 1)]
