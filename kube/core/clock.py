"""The one clock: the current moment in UTC and the office's day in Asia/Jakarta.

Every module asks this one for the time, none calls `date.today()` or `datetime.now()`: the
server usually runs in UTC, where the office's day starts at 17:00 the day before. Tests
stand the whole app at a chosen moment with `frozen_at` (the `frozen` fixture), and because
the moment is read here, freezing it freezes every page, operation, model default and thread.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

#: Where due dates, "today" and the dates printed on letters are counted (Kota Serang, WIB).
OFFICE_TIMEZONE_NAME = "Asia/Jakarta"
OFFICE_TIMEZONE = ZoneInfo(OFFICE_TIMEZONE_NAME)

#: Set by `frozen_at`; None means the real time.
_frozen: datetime | None = None


def utc_now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def office_today() -> date:
    """Today's date at the office: from 17:00 UTC it is already tomorrow in Jakarta."""
    return utc_now().astimezone(OFFICE_TIMEZONE).date()


def office_date(moment: datetime) -> date:
    """The office's date of a stored moment (naive moments are UTC, as the database keeps them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(OFFICE_TIMEZONE).date()


def office_midnight(day: date) -> datetime:
    """The first moment of `day` at the office, in UTC."""
    return datetime.combine(day, time(0), tzinfo=OFFICE_TIMEZONE).astimezone(timezone.utc)


def _as_moment(when: datetime | date) -> datetime:
    """A date means noon of that day at the office, safely inside the office's day."""
    if isinstance(when, datetime):
        return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)
    return datetime.combine(when, time(12), tzinfo=OFFICE_TIMEZONE)


@contextmanager
def frozen_at(when: datetime | date):
    """Within this block the app stands still at `when` (a moment, or noon of a day at the office)."""
    global _frozen
    previous, _frozen = _frozen, _as_moment(when).astimezone(timezone.utc)
    try:
        yield _frozen
    finally:
        _frozen = previous
