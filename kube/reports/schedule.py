"""When a month's report is due and whether it came in on time: pure functions of dates.

A month's report is due by day `due_day` of the next month, counted in the office's time zone
(Asia/Jakarta): on time when first submitted on or before that day there.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from kube.core.clock import office_date, office_midnight
from kube.core.formatting import format_long_date, format_month
from kube.core.periods import add_months, first_of_month, last_complete_month

ON_TIME, LATE, MISSING, NOT_DUE, NOT_FORMED = "on_time", "late", "missing", "not_due", "not_formed"


def due_date(period: date, due_day: int) -> date:
    """The last day on which the report for `period` is on time: `due_day` of the next month."""
    return add_months(period, 1).replace(day=due_day)


def is_due(period: date, due_day: int, today: date) -> bool:
    """Whether the due date of `period` has passed on `today` (a missing report is then overdue)."""
    return today > due_date(period, due_day)


def deadline_utc(period: date, due_day: int) -> datetime:
    """The first moment (in UTC) at which a report for `period` is late: midnight after the due day."""
    return office_midnight(due_date(period, due_day) + timedelta(days=1))


def is_on_time(submitted_at: datetime, period: date, due_day: int) -> bool:
    """Whether a report first submitted at `submitted_at` met the due date (counted at the office)."""
    return office_date(submitted_at) <= due_date(period, due_day)


def month_status(period: date, submitted_at: datetime | None, formed_on: date, today: date, due_day: int) -> str:
    """A month's reporting status for a group: on time, late, missing, not due yet or not yet formed."""
    if period < first_of_month(formed_on):
        return NOT_FORMED
    if submitted_at is not None:
        return ON_TIME if is_on_time(submitted_at, period, due_day) else LATE
    return MISSING if is_due(period, due_day, today) else NOT_DUE


def month_to_report(today: date, reported: Collection[date], formed_on: date) -> date:
    """The month whose report a leader sends next: last month while its report is not in, else the month running now.

    Last month comes first because it can still be on time; older missing months are overdue
    whichever comes next, and the leader's page lists them with their own button.
    """
    last = last_complete_month(today)
    if last >= first_of_month(formed_on) and last not in reported:
        return last
    return first_of_month(today)


def reminder_message(leader_name: str, group_name: str, period: date, due_day: int, office: str) -> str:
    """The WhatsApp reminder to a leader whose report is missing, in Indonesian (naming the month and due date)."""
    return (f"Yth. {leader_name}, ketua {group_name}: laporan pendapatan bulan {format_month(period, 'id')} "
            f"belum kami terima (batasnya {format_long_date(due_date(period, due_day), 'id')}). Mohon segera "
            f"dikirim lewat aplikasi Kube, atau hubungi pendamping bila ada kesulitan. Terima kasih. {office}")
