"""Why a group is flagged, and where its income is heading, in the reader's language.

`kube.monitoring.trends` decides the flags without words; this module writes the sentence the
flags page, the group page and the API show. Amounts are rounded half away from zero, so
Rp22.500,5 and -Rp22.500,5 are shown alike.
"""
from __future__ import annotations

from flask_babel import gettext as _

from kube.core.formatting import format_month, format_month_name, format_month_range, format_number, format_rupiah
from kube.core.periods import parse_period
from kube.monitoring.labels import trend_status
from kube.monitoring.trends import (
    BELOW_EXTREME_POVERTY, MISSING_REPORTS, NO_GAIN_AFTER_GRANT, NOT_IMPROVING, TREND_INSUFFICIENT, TREND_OK, Flag,
    Trend,
)


def whole_rupiah(value: float) -> int:
    """Round half away from zero: Python's round() would send Rp22.500,5 and -Rp22.500,5 different ways."""
    magnitude = int(abs(value) + 0.5)
    return -magnitude if value < 0 else magnitude


def _months(first: str, last: str) -> str:
    """`Januari–Juni 2025` from two `YYYY-MM` texts (one month when they are the same)."""
    return format_month_range(parse_period(first), parse_period(last))


def _not_improving(details: dict) -> str:
    slope = details["slope_per_month"]
    shown = whole_rupiah(-slope)
    span = _("%(n)d laporan, %(months)s", n=details["reports"],
             months=_months(details["window_start"], details["window_end"]))
    if slope == 0:
        reason = _("Pendapatan bersih tidak naik, rata-rata %(a)s per bulan (%(span)s).", a=format_rupiah(0), span=span)
    elif shown == 0:
        reason = _("Pendapatan bersih turun rata-rata kurang dari %(a)s per bulan (%(span)s).",
                   a=format_rupiah(1), span=span)
    else:
        reason = _("Pendapatan bersih turun rata-rata %(a)s per bulan (%(span)s).", a=format_rupiah(shown), span=span)
    if details["yoy_median"] is not None:
        reason += " " + _("Dibanding bulan yang sama tahun lalu, median selisihnya %(a)s (bukan pola musiman).",
                          a=format_rupiah(whole_rupiah(details["yoy_median"])))
    return reason


def _no_gain_after_grant(details: dict) -> str:
    return _("Rata-rata pendapatan bersih setelah bantuan %(after)s (%(after_n)d laporan, %(after_months)s) tidak "
             "lebih tinggi dari sebelum bantuan %(before)s (%(before_n)d laporan, %(before_months)s); bantuan "
             "diserahkan %(month)s.",
             after=format_rupiah(whole_rupiah(details["after_mean"])), after_n=details["after_reports"],
             after_months=_months(details["after_start"], details["after_end"]),
             before=format_rupiah(whole_rupiah(details["baseline_mean"])), before_n=details["baseline_reports"],
             before_months=_months(details["baseline_start"], details["baseline_end"]),
             month=format_month(parse_period(details["handover_month"])))


def _missing_reports(details: dict) -> str:
    earlier, latest = (parse_period(text) for text in details["missing_months"])
    # "Mei dan Juni 2025", but "Desember 2024 dan Januari 2025" across a year end.
    first = format_month_name(earlier) if earlier.year == latest.year else format_month(earlier)
    months = _("%(first)s dan %(second)s", first=first, second=format_month(latest))
    reason = _("Laporan bulan %(months)s belum masuk, padahal batasnya tanggal %(day)d bulan berikutnya sudah lewat",
               months=months, day=details["due_day"])
    streak = details["months_without_report"]
    if streak > 2:
        return reason + " " + _("(%(n)s bulan berturut-turut tanpa laporan).", n=format_number(streak))
    return reason + "."


def _below_extreme_poverty(details: dict) -> str:
    months = details["months"]
    return _("Rata-rata pendapatan bersih per anggota %(a)s per bulan (%(n)d laporan terakhir, %(months)s), di "
             "bawah garis kemiskinan ekstrem %(line)s per orang per bulan.",
             a=format_rupiah(whole_rupiah(details["per_capita_mean"])), n=details["reports"],
             months=_months(months[0], months[-1]), line=format_rupiah(details["line"]))


_WRITERS = {
    NOT_IMPROVING: _not_improving,
    NO_GAIN_AFTER_GRANT: _no_gain_after_grant,
    MISSING_REPORTS: _missing_reports,
    BELOW_EXTREME_POVERTY: _below_extreme_poverty,
}


def flag_reason(flag: Flag) -> str:
    """The flag's reason as one or two sentences in the reader's language."""
    return _WRITERS[flag.kind](flag.details)


def trend_in_words(trend: Trend) -> str:
    """The trend in a few words: `data belum cukup`, `naik Rp45.000 per bulan`, `turun ...`, `datar`."""
    if trend.status != TREND_OK or trend.slope_per_month is None:
        return trend_status(TREND_INSUFFICIENT)
    amount = format_rupiah(abs(whole_rupiah(trend.slope_per_month)))
    if trend.slope_per_month > 0:
        return _("naik %(a)s per bulan", a=amount)
    if trend.slope_per_month < 0:
        return _("turun %(a)s per bulan", a=amount)
    return _("datar")
