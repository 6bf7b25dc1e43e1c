"""Dates that record what already happened (formed, joined, left, handed over, checked, followed up).

Such a date is never in the future and never before 1945: a group "formed" on 0001-01-01 or a member
who "joined" on 9999-12-31 (and so could never leave) is a typing slip, refused with the field named.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from kube.core.clock import office_today
from kube.core.errors import ValidationFailed

#: The earliest date anything in Kube can have happened on.
EARLIEST_RECORDED_DATE = date(1945, 1, 1)


def check_recorded_date(field: str, value: date, what: str, today: date | None = None) -> None:
    """Raise ValidationFailed on `field` when `value` cannot be the date something happened.

    `what` names the date in the message, e.g. "Tanggal terbentuk".
    """
    if value > (today or office_today()):
        problem = _("%(what)s tidak boleh di masa depan.", what=what)
    elif value < EARLIEST_RECORDED_DATE:
        problem = _("%(what)s tidak boleh sebelum tahun %(year)d.", what=what, year=EARLIEST_RECORDED_DATE.year)
    else:
        return
    raise ValidationFailed(problem, fields={field: [problem]})
