"""Income trends and warning flags for KUBE groups, as pure functions over monthly reports."""
from __future__ import annotations

import statistics
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Iterable, Sequence

# The shared formatter is Flask-free; reusing it keeps the flags page and the
# rest of the app writing Rupiah and month names identically.
from kube.core.formatting import MONTH_NAMES_ID, format_rupiah

NOT_IMPROVING = "not_improving"
NO_GAIN_AFTER_GRANT = "no_gain_after_grant"
MISSING_REPORTS = "missing_reports"
BELOW_EXTREME_POVERTY = "below_extreme_poverty"

# Listed in the order used to break severity ties, so equal-severity flags
# always come out in the same order on the flags page.
FLAG_KINDS = (NOT_IMPROVING, NO_GAIN_AFTER_GRANT, BELOW_EXTREME_POVERTY, MISSING_REPORTS)
FLAG_LABELS = {
    NOT_IMPROVING: "Pendapatan tidak membaik",
    NO_GAIN_AFTER_GRANT: "Tidak ada kenaikan setelah bantuan",
    BELOW_EXTREME_POVERTY: "Di bawah garis kemiskinan ekstrem",
    MISSING_REPORTS: "Laporan tidak masuk",
}
_KIND_RANK = {kind: rank for rank, kind in enumerate(FLAG_KINDS)}

TREND_OK = "ok"
TREND_INSUFFICIENT = "insufficient"
TREND_LABELS = {TREND_OK: "data cukup", TREND_INSUFFICIENT: "data belum cukup"}


# --- months -----------------------------------------------------------------


def month_index(year: int, month: int) -> int:
    """The month's index year*12 + month, so gaps between months keep their real length."""
    if not 1 <= month <= 12:
        raise ValueError(f"bulan harus 1..12, bukan {month!r}")
    # Same numbering as kube.core.periods.month_index(date), so indexes can be mixed.
    return year * 12 + month


def index_to_year_month(index: int) -> tuple[int, int]:
    """Turn a month index back into (year, month)."""
    year, month0 = divmod(index - 1, 12)
    return year, month0 + 1


def period_text(index: int) -> str:
    """A month index as a `YYYY-MM` string (the JSON form used in flag details)."""
    year, month = index_to_year_month(index)
    return f"{year:04d}-{month:02d}"


def _month_name(index: int) -> str:
    year, month = index_to_year_month(index)
    return f"{MONTH_NAMES_ID[month - 1]} {year}"


def _month_range(start: int, end: int) -> str:
    """`Januari–Juni 2025`, or `November 2024–April 2025` across a year end."""
    if start == end:
        return _month_name(end)
    start_year, start_month = index_to_year_month(start)
    end_year, _ = index_to_year_month(end)
    if start_year == end_year:
        return f"{MONTH_NAMES_ID[start_month - 1]}–{_month_name(end)}"
    return f"{_month_name(start)}–{_month_name(end)}"


def _two_months(first: int, second: int) -> str:
    """`Mei dan Juni 2025`, or `Desember 2024 dan Januari 2025` across a year end."""
    first_year, first_month = index_to_year_month(first)
    second_year, _ = index_to_year_month(second)
    if first_year == second_year:
        return f"{MONTH_NAMES_ID[first_month - 1]} dan {_month_name(second)}"
    return f"{_month_name(first)} dan {_month_name(second)}"


def _whole_rupiah(value: float) -> int:
    """Round half away from zero: Python's round() would send Rp22.500,5 and -Rp22.500,5 different ways."""
    magnitude = int(abs(value) + 0.5)
    return -magnitude if value < 0 else magnitude


# --- data -------------------------------------------------------------------


@dataclass(frozen=True)
class FlagSettings:
    """Window lengths and thresholds for the flags; defaults are the ones agreed with the Dinas."""

    window_months: int = 6
    min_reports: int = 4
    after_grant_months: int = 6
    baseline_months: int = 3
    baseline_min_reports: int = 2
    after_max_months: int = 12
    after_min_reports: int = 4
    extreme_poverty_line: int = 400_000
    poverty_recent_reports: int = 3
    due_day: int = 10

    def __post_init__(self) -> None:
        # A slope needs two distinct months; the rest must be at least one.
        if self.min_reports < 2 or self.window_months < self.min_reports:
            raise ValueError("min_reports harus >= 2 dan <= window_months")
        for name in ("after_grant_months", "baseline_months", "baseline_min_reports",
                     "after_max_months", "after_min_reports", "poverty_recent_reports",
                     "extreme_poverty_line"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} harus >= 1")
        # Every month has a 28th, so the due date exists in every month.
        if not 1 <= self.due_day <= 28:
            raise ValueError("due_day harus 1..28")


@dataclass(frozen=True)
class Report:
    """One monthly report: month index, net income in whole Rupiah, active members that month."""

    month: int
    net: int
    active_members: int


@dataclass(frozen=True)
class GroupSeries:
    """All of a group's monthly reports and grant handovers (month index, grant id)."""

    group_id: int
    formed_month: int
    reports: tuple[Report, ...]
    handovers: tuple[tuple[int, int], ...] = ()
    # Sorted months and a month -> report map, built once so every as-of month
    # can find its window by bisection instead of scanning all reports.
    _months: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _by_month: dict[int, Report] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        reports = tuple(sorted(self.reports, key=lambda report: report.month))
        months = tuple(report.month for report in reports)
        if len(set(months)) != len(months):
            raise ValueError(f"kelompok {self.group_id}: ada dua laporan untuk bulan yang sama")
        object.__setattr__(self, "reports", reports)
        object.__setattr__(self, "handovers", tuple(tuple(h) for h in self.handovers))
        object.__setattr__(self, "_months", months)
        object.__setattr__(self, "_by_month", {report.month: report for report in reports})

    def reports_between(self, first: int, last: int) -> tuple[Report, ...]:
        """Reports for months first..last inclusive, oldest first."""
        return self.reports[bisect_left(self._months, first):bisect_right(self._months, last)]

    def reports_up_to(self, last: int) -> tuple[Report, ...]:
        """Reports for months up to and including `last`, oldest first."""
        return self.reports[:bisect_right(self._months, last)]

    def report_for(self, month: int) -> Report | None:
        """The report for this month, if there is one."""
        return self._by_month.get(month)


@dataclass(frozen=True)
class Trend:
    """The Theil-Sen trend of net income over the window ending at the as-of month."""

    status: str  # TREND_OK or TREND_INSUFFICIENT
    slope_per_month: float | None  # Rupiah per month; None when insufficient
    intercept: float | None  # line is intercept + slope * month_index; None when insufficient
    reports: int
    window_start: int
    window_end: int
    yoy_median: float | None  # median y(m) - y(m-12); None when no window month has both
    points: tuple[tuple[int, int], ...]  # (month index, net) in the window, oldest first
    typical_net: float | None  # median net over the window; None without reports

    @property
    def label(self) -> str:
        """The status in Indonesian, e.g. `data belum cukup`."""
        return TREND_LABELS[self.status]

    def line_value(self, month: int) -> float | None:
        """The fitted trend line at a month index, for drawing; None when insufficient."""
        if self.slope_per_month is None or self.intercept is None:
            return None
        return self.intercept + self.slope_per_month * month


@dataclass(frozen=True)
class Flag:
    """A warning about a group: its kind, an Indonesian reason, JSON-ready details, and severity."""

    group_id: int
    kind: str
    reason: str
    details: dict[str, Any]
    severity: float  # larger is more serious; see evaluate_group

    @property
    def label(self) -> str:
        """The kind in Indonesian, for headings."""
        return FLAG_LABELS[self.kind]


# --- trend ------------------------------------------------------------------


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Theil-Sen (slope, intercept), equal to scipy.stats.theilslopes(ys, xs, method="joint")."""
    if len(xs) != len(ys):
        raise ValueError("xs dan ys harus sama panjang")
    n = len(xs)
    # Pairs with equal x are skipped, as scipy does; with <= 6 points the
    # 15 pairs are cheaper than any clever O(n log n) algorithm.
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(n)
        for j in range(i + 1, n)
        if xs[j] != xs[i]
    ]
    if not slopes:
        raise ValueError("butuh sedikitnya dua nilai x yang berbeda")
    slope = statistics.median(slopes)
    # "Joint" intercept: the median residual, so the drawn line goes through
    # the middle of the points rather than through (median x, median y).
    intercept = statistics.median([y - slope * x for x, y in zip(xs, ys)])
    return float(slope), float(intercept)


def compute_trend(series: GroupSeries, as_of: int, settings: FlagSettings = FlagSettings()) -> Trend:
    """The group's trend over the window ending at `as_of`, using only reports up to `as_of`."""
    start = as_of - settings.window_months + 1
    window = series.reports_between(start, as_of)
    points = tuple((report.month, report.net) for report in window)
    typical = float(statistics.median(net for _, net in points)) if points else None
    if len(window) < settings.min_reports:
        return Trend(TREND_INSUFFICIENT, None, None, len(window), start, as_of, None, points, typical)
    slope, intercept = theil_sen([m for m, _ in points], [y for _, y in points])
    # Year-on-year differences for the same calendar month cancel out the
    # seasonal cycle (harvest, Ramadan); m - 12 < as_of, so no future data leaks in.
    differences = []
    for month, net in points:
        last_year = series.report_for(month - 12)
        if last_year is not None:
            differences.append(net - last_year.net)
    yoy = float(statistics.median(differences)) if differences else None
    return Trend(TREND_OK, slope, intercept, len(window), start, as_of, yoy, points, typical)


# --- flags ------------------------------------------------------------------


def _not_improving(series: GroupSeries, trend: Trend) -> Flag | None:
    if trend.status != TREND_OK or trend.slope_per_month is None or trend.slope_per_month > 0:
        return None
    if trend.yoy_median is not None and trend.yoy_median > 0:
        # Better than the same months last year: the dip is the season, not the business.
        return None
    slope = trend.slope_per_month
    shown = _whole_rupiah(-slope)
    span = f"{trend.reports} laporan, {_month_range(trend.window_start, trend.window_end)}"
    if slope == 0:
        reason = f"Pendapatan bersih tidak naik, rata-rata {format_rupiah(0)} per bulan ({span})."
    elif shown == 0:
        reason = f"Pendapatan bersih turun rata-rata kurang dari {format_rupiah(1)} per bulan ({span})."
    else:
        reason = f"Pendapatan bersih turun rata-rata {format_rupiah(shown)} per bulan ({span})."
    if trend.yoy_median is not None:
        reason += (
            " Dibanding bulan yang sama tahun lalu, median selisihnya "
            f"{format_rupiah(_whole_rupiah(trend.yoy_median))} (bukan pola musiman)."
        )
    # The spec's ordering: the steeper the fall relative to what the group
    # usually earns, the more serious (0 for a flat line).
    typical = max(abs(trend.typical_net or 0.0), 1.0)
    return Flag(
        series.group_id,
        NOT_IMPROVING,
        reason,
        {
            "slope_per_month": slope,
            "reports": trend.reports,
            "window_start": period_text(trend.window_start),
            "window_end": period_text(trend.window_end),
            "yoy_median": trend.yoy_median,
        },
        abs(slope) / typical,
    )


def _no_gain_after_grant(series: GroupSeries, as_of: int, settings: FlagSettings) -> Flag | None:
    handovers = [h for h in series.handovers if h[0] <= as_of]
    if not handovers:
        return None
    # Only the latest grant is judged: an older grant's effect is confounded
    # by the newer one, so we wait for the newer grant to mature instead.
    grant_month, grant_id = max(handovers)
    if as_of < grant_month + settings.after_grant_months:
        return None
    baseline = series.reports_between(grant_month - settings.baseline_months, grant_month - 1)
    after_end = min(grant_month + settings.after_max_months, as_of)
    after = series.reports_between(grant_month + 1, after_end)
    if len(baseline) < settings.baseline_min_reports or len(after) < settings.after_min_reports:
        return None
    baseline_sum = sum(r.net for r in baseline)
    after_sum = sum(r.net for r in after)
    # Compare the means by cross-multiplying integers, so "after == baseline"
    # is decided exactly and not by float rounding.
    if after_sum * len(baseline) > baseline_sum * len(after):
        return None
    baseline_mean = baseline_sum / len(baseline)
    after_mean = after_sum / len(after)
    reason = (
        f"Rata-rata pendapatan bersih setelah bantuan {format_rupiah(_whole_rupiah(after_mean))} "
        f"({len(after)} laporan, {_month_range(grant_month + 1, after_end)}) tidak lebih tinggi "
        f"dari sebelum bantuan {format_rupiah(_whole_rupiah(baseline_mean))} "
        f"({len(baseline)} laporan, {_month_range(grant_month - settings.baseline_months, grant_month - 1)}); "
        f"bantuan diserahkan {_month_name(grant_month)}."
    )
    return Flag(
        series.group_id,
        NO_GAIN_AFTER_GRANT,
        reason,
        {
            "grant_id": grant_id,
            "handover_month": period_text(grant_month),
            "baseline_mean": baseline_mean,
            "baseline_reports": len(baseline),
            "after_mean": after_mean,
            "after_reports": len(after),
            "after_end": period_text(after_end),
        },
        # Share of the pre-grant income that was not regained (0 when equal).
        (baseline_mean - after_mean) / max(abs(baseline_mean), 1.0),
    )


def _last_overdue_month(today: date, due_day: int) -> int:
    """The latest month whose report is overdue on `today`.

    The report for month m is due on day `due_day` of month m+1 and is late
    only from the next day: on 10 July June's report is still on time, on
    11 July it is overdue. So month m is overdue when its due date < today.
    """
    this_month = month_index(today.year, today.month)
    return this_month - 1 if today.day > due_day else this_month - 2


def _missing_reports(series: GroupSeries, as_of: int, today: date, settings: FlagSettings) -> Flag | None:
    latest = min(as_of, _last_overdue_month(today, settings.due_day))
    earlier = latest - 1
    # Months before the group existed owe no report; a group with fewer than
    # two overdue months cannot have "the latest two" missing.
    if earlier < series.formed_month:
        return None
    if series.report_for(latest) is not None or series.report_for(earlier) is not None:
        return None
    # Count the whole silent stretch for the severity and the reason; bounded
    # by the group's age, and only run for groups that are flagged.
    streak = 2
    month = earlier - 1
    while month >= series.formed_month and series.report_for(month) is None:
        streak += 1
        month -= 1
    reason = (
        f"Laporan bulan {_two_months(earlier, latest)} belum masuk, padahal batasnya "
        f"tanggal {settings.due_day} bulan berikutnya sudah lewat"
    )
    reason += f" ({streak} bulan berturut-turut tanpa laporan)." if streak > 2 else "."
    return Flag(
        series.group_id,
        MISSING_REPORTS,
        reason,
        {
            "missing_months": [period_text(earlier), period_text(latest)],
            "months_without_report": streak,
            "due_day": settings.due_day,
        },
        # A year of silence counts like a total loss of income: we know nothing.
        streak / 12,
    )


def _below_extreme_poverty(series: GroupSeries, as_of: int, settings: FlagSettings) -> Flag | None:
    # Reports with no active members have no per-person income; skip them
    # rather than divide by zero or let a data-entry slip fire the flag.
    usable = [r for r in series.reports_up_to(as_of) if r.active_members > 0]
    recent = usable[-settings.poverty_recent_reports:]
    # One report is enough: a group that reports rarely must not escape the
    # poverty check by reporting rarely.
    if not recent:
        return None
    # Fractions make "exactly at the line" exact (e.g. Rp1.200.000 / 3 members).
    total = sum(Fraction(r.net, r.active_members) for r in recent)
    line = settings.extreme_poverty_line
    if total >= line * len(recent):
        return None
    per_capita = float(total / len(recent))
    reason = (
        f"Rata-rata pendapatan bersih per anggota {format_rupiah(_whole_rupiah(per_capita))} per bulan "
        f"({len(recent)} laporan terakhir, {_month_range(recent[0].month, recent[-1].month)}), "
        f"di bawah garis kemiskinan ekstrem {format_rupiah(line)} per orang per bulan."
    )
    return Flag(
        series.group_id,
        BELOW_EXTREME_POVERTY,
        reason,
        {
            "per_capita_mean": per_capita,
            "line": line,
            "reports": len(recent),
            "months": [period_text(r.month) for r in recent],
        },
        # How far below the line, as a share of the line.
        (line - per_capita) / line,
    )


def _sort_key(flag: Flag) -> tuple[float, int, int]:
    return (-flag.severity, _KIND_RANK[flag.kind], flag.group_id)


def _flags_for(series: GroupSeries, as_of: int, today: date, settings: FlagSettings) -> list[Flag]:
    trend = compute_trend(series, as_of, settings)
    found = (
        _not_improving(series, trend),
        _no_gain_after_grant(series, as_of, settings),
        _below_extreme_poverty(series, as_of, settings),
        _missing_reports(series, as_of, today, settings),
    )
    return [flag for flag in found if flag is not None]


def evaluate_group(
    series: GroupSeries, as_of: int, today: date, settings: FlagSettings = FlagSettings()
) -> list[Flag]:
    """All flags for one group as of month `as_of` (reports after it are ignored), most serious first.

    Severity is larger for more serious flags and is roughly "share of
    income at stake": not_improving = -slope / max(|median net in window|, 1);
    no_gain_after_grant = (baseline - after) / max(|baseline|, 1);
    below_extreme_poverty = (line - per-capita mean) / line;
    missing_reports = months in the silent stretch / 12.
    """
    return sorted(_flags_for(series, as_of, today, settings), key=_sort_key)


def evaluate_groups(
    groups: Iterable[GroupSeries], as_of: int, today: date, settings: FlagSettings = FlagSettings()
) -> list[Flag]:
    """Flags for many groups, most serious first (ties: kind order, then group id)."""
    flags: list[Flag] = []
    for series in groups:
        flags.extend(_flags_for(series, as_of, today, settings))
    # A single sort over all groups' flags, not one per group plus a merge.
    flags.sort(key=_sort_key)
    return flags
