"""Income trends and warning flags for KUBE groups, as pure functions over monthly reports.

No Flask, no database, no words: a flag carries its kind, the figures behind it (`details`) and its
severity; `kube.monitoring.reasons` says it in the reader's language. Months are month indexes
(`kube.core.periods.month_index`), so gaps between months keep their real length.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Iterable, NamedTuple, Sequence

from kube.core.periods import format_month_index, month_index

NOT_IMPROVING = "not_improving"
NO_GAIN_AFTER_GRANT = "no_gain_after_grant"
MISSING_REPORTS = "missing_reports"
BELOW_EXTREME_POVERTY = "below_extreme_poverty"

# Listed in the order used to break severity ties, so equal-severity flags
# always come out in the same order on the flags page.
FLAG_KINDS = (NOT_IMPROVING, NO_GAIN_AFTER_GRANT, BELOW_EXTREME_POVERTY, MISSING_REPORTS)
_KIND_RANK = {kind: rank for rank, kind in enumerate(FLAG_KINDS)}

TREND_OK = "ok"
TREND_INSUFFICIENT = "insufficient"


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


class Report(NamedTuple):
    """One monthly report: month index, net income in whole Rupiah, active members that month.

    A named tuple, not a dataclass: the flags refresh builds one per stored report (millions at
    national scale), and a tuple is made several times faster.
    """

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
        # Reports are (month, ...) tuples with one per month, so they sort by month without a key function.
        reports = tuple(sorted(self.reports))
        months = tuple([report[0] for report in reports])
        if len(set(months)) != len(months):
            raise ValueError(f"kelompok {self.group_id}: ada dua laporan untuk bulan yang sama")
        object.__setattr__(self, "reports", reports)
        object.__setattr__(self, "handovers", tuple(tuple(h) for h in self.handovers))
        object.__setattr__(self, "_months", months)
        object.__setattr__(self, "_by_month", dict(zip(months, reports)))

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

    def line_value(self, month: int) -> float | None:
        """The fitted trend line at a month index, for drawing; None when insufficient."""
        if self.slope_per_month is None or self.intercept is None:
            return None
        return self.intercept + self.slope_per_month * month


@dataclass(frozen=True)
class Flag:
    """A warning about a group: its kind, JSON-ready details (everything its reason says), and severity."""

    group_id: int
    kind: str
    details: dict[str, Any]
    severity: float  # larger is more serious; see evaluate_group


# --- trend ------------------------------------------------------------------


def _median(values: Iterable[float]) -> float:
    """statistics.median without its generality: the trends take medians of a few dozen numbers, very often."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


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
    slope = _median(slopes)
    # "Joint" intercept: the median residual, so the drawn line goes through
    # the middle of the points rather than through (median x, median y).
    intercept = _median([y - slope * x for x, y in zip(xs, ys)])
    return float(slope), float(intercept)


def compute_trend(series: GroupSeries, as_of: int, settings: FlagSettings = FlagSettings()) -> Trend:
    """The group's trend over the window ending at `as_of`, using only reports up to `as_of`."""
    start = as_of - settings.window_months + 1
    window = series.reports_between(start, as_of)
    points = tuple((report.month, report.net) for report in window)
    typical = float(_median(net for _, net in points)) if points else None
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
    yoy = float(_median(differences)) if differences else None
    return Trend(TREND_OK, slope, intercept, len(window), start, as_of, yoy, points, typical)


# --- flags ------------------------------------------------------------------


def _not_improving(series: GroupSeries, trend: Trend) -> Flag | None:
    if trend.status != TREND_OK or trend.slope_per_month is None or trend.slope_per_month > 0:
        return None
    if trend.yoy_median is not None and trend.yoy_median > 0:
        # Better than the same months last year: the dip is the season, not the business.
        return None
    slope = trend.slope_per_month
    # The spec's ordering: the steeper the fall relative to what the group
    # usually earns, the more serious (0 for a flat line).
    typical = max(abs(trend.typical_net or 0.0), 1.0)
    return Flag(
        series.group_id,
        NOT_IMPROVING,
        {
            "slope_per_month": slope,
            "reports": trend.reports,
            "window_start": format_month_index(trend.window_start),
            "window_end": format_month_index(trend.window_end),
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
    return Flag(
        series.group_id,
        NO_GAIN_AFTER_GRANT,
        {
            "grant_id": grant_id,
            "handover_month": format_month_index(grant_month),
            "baseline_mean": baseline_mean,
            "baseline_reports": len(baseline),
            "baseline_start": format_month_index(grant_month - settings.baseline_months),
            "baseline_end": format_month_index(grant_month - 1),
            "after_mean": after_mean,
            "after_reports": len(after),
            "after_start": format_month_index(grant_month + 1),
            "after_end": format_month_index(after_end),
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
    this_month = month_index(today)
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
    return Flag(
        series.group_id,
        MISSING_REPORTS,
        {
            "missing_months": [format_month_index(earlier), format_month_index(latest)],
            "months_without_report": streak,
            "due_day": settings.due_day,
        },
        # A year of silence counts like a total loss of income: we know nothing.
        streak / 12,
    )


def _below_extreme_poverty(series: GroupSeries, as_of: int, settings: FlagSettings) -> Flag | None:
    # Reports with no active members have no per-person income; skip them
    # rather than divide by zero or let a data-entry slip fire the flag.
    # Walk back from the as-of month: only the last few usable reports matter.
    recent: list[Report] = []
    reports = series.reports_up_to(as_of)
    for index in range(len(reports) - 1, -1, -1):
        if reports[index].active_members > 0:
            recent.append(reports[index])
            if len(recent) == settings.poverty_recent_reports:
                break
    # One report is enough: a group that reports rarely must not escape the
    # poverty check by reporting rarely.
    if not recent:
        return None
    recent.reverse()
    line = settings.extreme_poverty_line
    # Whole numbers make "exactly at the line" exact (e.g. Rp1.200.000 / 3 members): the mean per-capita
    # income is below the line when sum(net_i / m_i) < line * n, compared over the product of the m_i.
    product = 1
    for report in recent:
        product *= report.active_members
    if sum(r.net * (product // r.active_members) for r in recent) >= line * len(recent) * product:
        return None
    per_capita = float(sum(Fraction(r.net, r.active_members) for r in recent) / len(recent))
    return Flag(
        series.group_id,
        BELOW_EXTREME_POVERTY,
        {
            "per_capita_mean": per_capita,
            "line": line,
            "reports": len(recent),
            "months": [format_month_index(r.month) for r in recent],
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


# --- cases: a flag's runs over the months -------------------------------------


@dataclass(frozen=True)
class Case:
    """One unbroken run of a flag kind on a group: its first month and the first month it no longer held.

    `closed` is None while the run lasts (it holds at the last month evaluated).
    """

    kind: str
    opened: int
    closed: int | None


def flag_history(series: GroupSeries, first: int, last: int, today: date, settings: FlagSettings = FlagSettings(),
                 carried: dict[str, int] | None = None) -> tuple[list[Case], list[Flag]]:
    """The group's cases over months first..last, and its flags at `last`, each month evaluated as on its own.

    `carried` maps the kinds that held at month first-1 to the month their run opened, so a run that
    was already going continues (keeps its `opened`) instead of opening again at `first`; a kind in
    `carried` that no longer holds at `first` closes there. Without `carried` every run starts at
    `first` or later: call it from the group's formation month for the whole history.
    """
    if first > last:
        raise ValueError("first must not be after last: the flags at `last` are evaluated")
    running = dict(carried or {})
    cases: list[Case] = []
    flags: list[Flag] = []
    for month in range(first, last + 1):
        flags = _flags_for(series, month, today, settings)
        holding = {flag.kind for flag in flags}
        for kind in [kind for kind in running if kind not in holding]:
            cases.append(Case(kind, running.pop(kind), month))
        for kind in holding:
            running.setdefault(kind, month)
    cases.extend(Case(kind, opened, None) for kind, opened in running.items())
    cases.sort(key=lambda case: (case.opened, _KIND_RANK[case.kind]))
    flags.sort(key=_sort_key)
    return cases, flags
