"""Income trends and warning flags for KUBE groups, as pure functions over monthly reports.

No Flask, no database, no words: a flag carries its kind, the figures behind it (`details`) and its
severity; `kube.monitoring.reasons` says it in the reader's language. Months are month indexes
(`kube.core.periods.month_index`), so gaps between months keep their real length.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from math import prod
from operator import mul
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


_make_report = partial(tuple.__new__, Report)  # Report from a (month, net, members) tuple, without a Python call


class GroupSeries:
    """All of a group's monthly reports and grant handovers (month index, grant id).

    The reports are kept as three parallel columns in month order (`months`, `nets`, `members`, tuples
    or lists): every as-of month finds its window by bisecting `months`, and the rules read numbers,
    not objects. The flags refresh builds a series for every active group (100,000 at national scale)
    straight from the database's per-group lists; `reports` gives `Report` tuples, made on first use.
    """

    __slots__ = ("group_id", "formed_month", "handovers", "months", "nets", "members", "_reports")

    def __init__(self, group_id: int, formed_month: int, reports: Iterable[Sequence[int]] = (),
                 handovers: Iterable[Sequence[int]] = ()) -> None:
        # Reports are (month, ...) tuples with one per month, so they sort by month without a key function.
        ordered = sorted(reports)
        months = tuple([report[0] for report in ordered])
        if len(set(months)) != len(months):
            raise ValueError(f"kelompok {group_id}: ada dua laporan untuk bulan yang sama")
        self.group_id = group_id
        self.formed_month = formed_month
        self.handovers = tuple(tuple(h) for h in handovers)
        self.months = months
        self.nets = tuple([report[1] for report in ordered])
        self.members = tuple([report[2] for report in ordered])
        self._reports: tuple[Report, ...] | None = None

    @classmethod
    def from_columns(cls, group_id: int, formed_month: int, months: list[int], nets: list[int], members: list[int],
                     handovers: Iterable[Sequence[int]] = ()) -> GroupSeries:
        """A series from its reports as three parallel lists in any order, kept (not copied) when in month order.

        Unlike the constructor it trusts that no month repeats (the database's unique key on group
        and period), so building one costs no Python step per report.
        """
        if sorted(months) != months:  # the database returns a group's rows in no set order
            months, nets, members = (list(column) for column in zip(*sorted(zip(months, nets, members))))
        series = cls.__new__(cls)
        series.group_id, series.formed_month, series.handovers = group_id, formed_month, tuple(map(tuple, handovers))
        series.months, series.nets, series.members, series._reports = months, nets, members, None
        return series

    def _key(self) -> tuple:
        return (self.group_id, self.formed_month, tuple(self.months), tuple(self.nets), tuple(self.members),
                self.handovers)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GroupSeries) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"GroupSeries(group_id={self.group_id!r}, formed_month={self.formed_month!r}, "
                f"reports={self.reports!r}, handovers={self.handovers!r})")

    @property
    def reports(self) -> tuple[Report, ...]:
        """Every report, oldest first."""
        if self._reports is None:
            self._reports = tuple(map(_make_report, zip(self.months, self.nets, self.members)))
        return self._reports

    def span(self, first: int, last: int) -> tuple[int, int]:
        """The column positions `lo:hi` of the reports for months first..last inclusive."""
        return bisect_left(self.months, first), bisect_right(self.months, last)

    def _position(self, month: int) -> int | None:
        """Where this month's report sits in the columns, or None when the group did not report for it."""
        position = bisect_left(self.months, month)
        return position if position < len(self.months) and self.months[position] == month else None

    def reports_between(self, first: int, last: int) -> tuple[Report, ...]:
        """Reports for months first..last inclusive, oldest first."""
        lo, hi = self.span(first, last)
        return self.reports[lo:hi]

    def reports_up_to(self, last: int) -> tuple[Report, ...]:
        """Reports for months up to and including `last`, oldest first."""
        return self.reports[:bisect_right(self.months, last)]

    def report_for(self, month: int) -> Report | None:
        """The report for this month, if there is one."""
        position = self._position(month)
        return None if position is None else self.reports[position]

    def net_for(self, month: int) -> int | None:
        """The net income reported for this month, if the group reported."""
        position = self._position(month)
        return None if position is None else self.nets[position]


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


class Flag(NamedTuple):
    """A warning about a group: its kind, JSON-ready details (everything its reason says), and severity.

    A named tuple, as `Report`: the full refresh makes one for every flag in the city.
    """

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


def _pairs(n: int) -> tuple[tuple[int, int], ...]:
    """Every (i, j) with i < j < n: the point pairs of a Theil-Sen slope (remembered per n)."""
    pairs = _PAIRS.get(n)
    if pairs is None:
        pairs = _PAIRS[n] = tuple((i, j) for i in range(n) for j in range(i + 1, n))
    return pairs


_PAIRS: dict[int, tuple[tuple[int, int], ...]] = {}


def _slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The Theil-Sen slope: the median of the slopes between every two points with different x."""
    # Pairs with equal x are skipped, as scipy does; with <= 6 points the
    # 15 pairs are cheaper than any clever O(n log n) algorithm.
    slopes = [(ys[j] - ys[i]) / (xs[j] - xs[i]) for i, j in _pairs(len(xs)) if xs[j] != xs[i]]
    if not slopes:
        raise ValueError("butuh sedikitnya dua nilai x yang berbeda")
    return float(_median(slopes))


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Theil-Sen (slope, intercept), equal to scipy.stats.theilslopes(ys, xs, method="joint")."""
    if len(xs) != len(ys):
        raise ValueError("xs dan ys harus sama panjang")
    slope = _slope(xs, ys)
    # "Joint" intercept: the median residual, so the drawn line goes through
    # the middle of the points rather than through (median x, median y).
    intercept = _median([y - slope * x for x, y in zip(xs, ys)])
    return slope, float(intercept)


def _window(series: GroupSeries, as_of: int, settings: FlagSettings) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """The trend window's first month, and the months and nets of its reports (none after `as_of`)."""
    start = as_of - settings.window_months + 1
    lo, hi = series.span(start, as_of)
    return start, series.months[lo:hi], series.nets[lo:hi]


def _year_on_year(series: GroupSeries, months: Iterable[int], nets: Iterable[int]) -> float | None:
    """The median of net - the net 12 months earlier over these months; None when no month has both."""
    # Year-on-year differences for the same calendar month cancel out the
    # seasonal cycle (harvest, Ramadan); m - 12 < as_of, so no future data leaks in.
    differences = []
    for month, net in zip(months, nets):
        last_year = series.net_for(month - 12)
        if last_year is not None:
            differences.append(net - last_year)
    return float(_median(differences)) if differences else None


def compute_trend(series: GroupSeries, as_of: int, settings: FlagSettings = FlagSettings()) -> Trend:
    """The group's trend over the window ending at `as_of`, using only reports up to `as_of`."""
    start, months, nets = _window(series, as_of, settings)
    points = tuple(zip(months, nets))
    typical = float(_median(nets)) if nets else None
    if len(months) < settings.min_reports:
        return Trend(TREND_INSUFFICIENT, None, None, len(months), start, as_of, None, points, typical)
    slope, intercept = theil_sen(months, nets)
    yoy = _year_on_year(series, months, nets)
    return Trend(TREND_OK, slope, intercept, len(months), start, as_of, yoy, points, typical)


# --- flags ------------------------------------------------------------------


def _not_improving(series: GroupSeries, as_of: int, settings: FlagSettings) -> Flag | None:
    # compute_trend's figures, each computed only when the ones before leave the flag possible:
    # most groups stop at their rising line, without the year-on-year lookups or the Trend object.
    start, months, nets = _window(series, as_of, settings)
    if len(months) < settings.min_reports:
        return None
    slope = _slope(months, nets)
    if slope > 0:
        return None
    yoy = _year_on_year(series, months, nets)
    if yoy is not None and yoy > 0:
        # Better than the same months last year: the dip is the season, not the business.
        return None
    # The spec's ordering: the steeper the fall relative to what the group
    # usually earns, the more serious (0 for a flat line).
    typical = max(abs(float(_median(nets))), 1.0)
    return Flag(
        series.group_id,
        NOT_IMPROVING,
        {
            "slope_per_month": slope,
            "reports": len(months),
            "window_start": format_month_index(start),
            "window_end": format_month_index(as_of),
            "yoy_median": yoy,
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
    baseline_lo, baseline_hi = series.span(grant_month - settings.baseline_months, grant_month - 1)
    after_end = min(grant_month + settings.after_max_months, as_of)
    after_lo, after_hi = series.span(grant_month + 1, after_end)
    baseline_reports, after_reports = baseline_hi - baseline_lo, after_hi - after_lo
    if baseline_reports < settings.baseline_min_reports or after_reports < settings.after_min_reports:
        return None
    baseline_sum = sum(series.nets[baseline_lo:baseline_hi])
    after_sum = sum(series.nets[after_lo:after_hi])
    # Compare the means by cross-multiplying integers, so "after == baseline"
    # is decided exactly and not by float rounding.
    if after_sum * baseline_reports > baseline_sum * after_reports:
        return None
    baseline_mean = baseline_sum / baseline_reports
    after_mean = after_sum / after_reports
    return Flag(
        series.group_id,
        NO_GAIN_AFTER_GRANT,
        {
            "grant_id": grant_id,
            "handover_month": format_month_index(grant_month),
            "baseline_mean": baseline_mean,
            "baseline_reports": baseline_reports,
            "baseline_start": format_month_index(grant_month - settings.baseline_months),
            "baseline_end": format_month_index(grant_month - 1),
            "after_mean": after_mean,
            "after_reports": after_reports,
            "after_start": format_month_index(grant_month + 1),
            "after_end": format_month_index(after_end),
        },
        # Share of the pre-grant income that was not regained (0 when equal).
        (baseline_mean - after_mean) / max(abs(baseline_mean), 1.0),
    )


@lru_cache(maxsize=64)  # asked once a group by the full refresh, always of the same day
def last_overdue_month(today: date, due_day: int) -> int:
    """The latest month whose report is overdue on `today`.

    The report for month m is due on day `due_day` of month m+1 and is late
    only from the next day: on 10 July June's report is still on time, on
    11 July it is overdue. So month m is overdue when its due date < today.
    """
    this_month = month_index(today)
    return this_month - 1 if today.day > due_day else this_month - 2


def _missing_reports(series: GroupSeries, as_of: int, overdue: int, settings: FlagSettings) -> Flag | None:
    latest = min(as_of, overdue)
    earlier = latest - 1
    # Months before the group existed owe no report; a group with fewer than
    # two overdue months cannot have "the latest two" missing.
    if earlier < series.formed_month:
        return None
    before = bisect_left(series.months, earlier)
    if before < len(series.months) and series.months[before] <= latest:  # a report for one of them
        return None
    # The whole silent stretch, for the severity and the reason: back from `latest` to the last
    # report before it, or to the group's formation when it never reported before.
    last_heard = series.months[before - 1] if before else series.formed_month - 1
    streak = latest - max(last_heard, series.formed_month - 1)
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
    # Only the last few usable reports up to the as-of month matter.
    wanted = settings.poverty_recent_reports
    end = bisect_right(series.months, as_of)
    start = max(end - wanted, 0)
    members = series.members[start:end]
    if end - start == wanted and min(members) > 0:  # as usual, the last few reports all count
        positions: Sequence[int] = range(start, end)
        nets = series.nets[start:end]
    else:
        positions = [position for position in range(end - 1, -1, -1) if series.members[position] > 0][:wanted][::-1]
        # One report is enough: a group that reports rarely must not escape the
        # poverty check by reporting rarely.
        if not positions:
            return None
        nets = tuple(series.nets[position] for position in positions)
        members = tuple(series.members[position] for position in positions)
    line = settings.extreme_poverty_line
    # Whole numbers make "exactly at the line" exact (e.g. Rp1.200.000 / 3 members): the mean per-capita
    # income is below the line when sum(net_i / m_i) < line * n, compared over the product of the m_i.
    product = prod(members)
    total = sum(map(mul, nets, [product // count for count in members]))
    if total >= line * len(nets) * product:
        return None
    # The mean per-capita income is the fraction total / (product * n); int / int rounds it correctly, once.
    per_capita = total / (product * len(nets))
    return Flag(
        series.group_id,
        BELOW_EXTREME_POVERTY,
        {
            "per_capita_mean": per_capita,
            "line": line,
            "reports": len(nets),
            "months": [format_month_index(series.months[position]) for position in positions],
        },
        # How far below the line, as a share of the line.
        (line - per_capita) / line,
    )


def _sort_key(flag: Flag) -> tuple[float, int, int]:
    return (-flag.severity, _KIND_RANK[flag.kind], flag.group_id)


def _flags_for(series: GroupSeries, as_of: int, overdue: int, settings: FlagSettings) -> list[Flag]:
    """The group's flags at the as-of month, in no set order; `overdue` is `last_overdue_month` of the day."""
    found = (
        _not_improving(series, as_of, settings),
        _no_gain_after_grant(series, as_of, settings),
        _below_extreme_poverty(series, as_of, settings),
        _missing_reports(series, as_of, overdue, settings),
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
    return sorted(_flags_for(series, as_of, last_overdue_month(today, settings.due_day), settings), key=_sort_key)


def evaluate_groups(
    groups: Iterable[GroupSeries], as_of: int, today: date, settings: FlagSettings = FlagSettings()
) -> list[Flag]:
    """Flags for many groups, most serious first (ties: kind order, then group id)."""
    flags: list[Flag] = []
    overdue = last_overdue_month(today, settings.due_day)
    for series in groups:
        flags.extend(_flags_for(series, as_of, overdue, settings))
    # A single sort over all groups' flags, not one per group plus a merge.
    flags.sort(key=_sort_key)
    return flags


# --- cases: a flag's runs over the months -------------------------------------


class Case(NamedTuple):
    """One unbroken run of a flag kind on a group: its first month and the first month it no longer held.

    `closed` is None while the run lasts (it holds at the last month evaluated). A named tuple, as
    `Report`: the full refresh makes one for every open case in the city.
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
    running = dict(carried) if carried else {}
    cases: list[Case] = []
    flags: list[Flag] = []
    overdue = last_overdue_month(today, settings.due_day)
    for month in range(first, last + 1):
        flags = _flags_for(series, month, overdue, settings)
        if running:
            holding = [flag.kind for flag in flags]
            for kind in [kind for kind in running if kind not in holding]:
                cases.append(Case(kind, running.pop(kind), month))
        for flag in flags:
            running.setdefault(flag.kind, month)
    cases += [Case(kind, opened, None) for kind, opened in running.items()]
    if len(cases) > 1:
        cases.sort(key=_case_key)
    if len(flags) > 1:
        flags.sort(key=_sort_key)
    return cases, flags


def _case_key(case: Case) -> tuple[int, int]:
    return case.opened, _KIND_RANK[case.kind]
