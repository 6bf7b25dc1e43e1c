"""Words for reporting: status labels, badges and marks, and the sentences that guide a group's leader.

The leader's sentences (what is due and by when, what comes next, whether income is going up)
are pure functions of dates and a trend, written in the reader's language.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kube.core.formatting import format_day_month, format_long_date, format_month
from kube.core.periods import add_months, first_of_month
from kube.monitoring.trends import TREND_OK, Trend
from kube.reports.schedule import LATE, MISSING, NOT_DUE, NOT_FORMED, ON_TIME, due_date

MONTH_STATUS_LABELS = {
    ON_TIME: _l("Tepat waktu"),
    LATE: _l("Terlambat"),
    MISSING: _l("Belum dilaporkan"),
    NOT_DUE: _l("Belum jatuh tempo"),
    NOT_FORMED: _l("Belum terbentuk"),
}
#: CSS badge class per status (see .badge in kube.css).
MONTH_STATUS_BADGES = {ON_TIME: "ok", LATE: "warn", MISSING: "bad", NOT_DUE: "muted", NOT_FORMED: "muted"}
#: One character per status for the dense discipline grid (with the label as its title).
MONTH_STATUS_SYMBOLS = {ON_TIME: "✓", LATE: "!", MISSING: "✗", NOT_DUE: "…", NOT_FORMED: "·"}

#: The leader's own months in three plain words: done, done late, not yet (a month not yet due is "not yet" too).
LEADER_STATUS_LABELS = {ON_TIME: _l("Sudah"), LATE: _l("Terlambat"), MISSING: _l("Belum"), NOT_DUE: _l("Belum")}


def _day_of(day: date, period: date) -> str:
    """A date near a report month: `10 Desember` in the month's year, `10 Januari 2027` in the next."""
    return format_day_month(day) if day.year == period.year else format_long_date(day)


def due_by_text(period: date, due_day: int) -> str:
    """The due date of `period`'s report as the leader reads it (`10 Desember`, or with its year when it differs)."""
    return _day_of(due_date(period, due_day), period)


def due_sentence(period: date, due_day: int, today: date) -> str:
    """What is due and by when: "Laporan November 2026 paling lambat 10 Desember." (or that it is overdue, or not yet open)."""
    month, by = format_month(period), due_by_text(period, due_day)
    if today > due_date(period, due_day):
        return _("Laporan %(m)s sudah lewat batas (%(d)s). Kirim sekarang: terlambat lebih baik daripada tidak "
                 "melapor.", m=month, d=by)
    if period >= first_of_month(today):
        return _("Laporan %(m)s dapat dikirim mulai %(s)s, paling lambat %(d)s.", m=month,
                 s=_day_of(add_months(period, 1), period), d=by)
    return _("Laporan %(m)s paling lambat %(d)s.", m=month, d=by)


def next_report_sentence(period: date, due_day: int) -> str:
    """The next report after sending one: "Laporan berikutnya: Desember 2026, paling lambat 10 Januari 2027."."""
    return _("Laporan berikutnya: %(m)s, paling lambat %(d)s.", m=format_month(period), d=due_by_text(period, due_day))


def improvement_sentence(trend: Trend, min_reports: int) -> str:
    """Is the group's income going up? One plain, kind sentence from the monitoring trend of its last months."""
    months = trend.window_end - trend.window_start + 1
    if trend.status != TREND_OK or trend.slope_per_month is None:
        return _("Belum cukup laporan untuk melihat apakah pendapatan kelompok Anda naik: dalam %(n)d bulan terakhir "
                 "ada %(r)d laporan, perlu %(k)d.", n=months, r=trend.reports, k=min_reports)
    if trend.slope_per_month > 0:
        return _("Pendapatan bersih kelompok Anda naik dalam %(n)d bulan terakhir. Bagus, teruskan!", n=months)
    if trend.slope_per_month < 0:
        return _("Pendapatan bersih kelompok Anda turun dalam %(n)d bulan terakhir. Pendamping siap membantu "
                 "mencari jalan keluarnya.", n=months)
    return _("Pendapatan bersih kelompok Anda tetap dalam %(n)d bulan terakhir.", n=months)
