"""Tests for kube.monitoring.trends: Theil-Sen against scipy, and every flag at its boundary."""
from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from scipy import stats

from kube.core import periods
from kube.monitoring.labels import trend_status
from kube.monitoring.reasons import flag_reason
from kube.monitoring.trends import (
    BELOW_EXTREME_POVERTY,
    MISSING_REPORTS,
    NO_GAIN_AFTER_GRANT,
    NOT_IMPROVING,
    TREND_INSUFFICIENT,
    TREND_OK,
    FlagSettings,
    GroupSeries,
    Report,
    compute_trend,
    evaluate_group,
    evaluate_groups,
    theil_sen,
)
from tests.factories import month_index

JAN_2025 = month_index(2025, 1)
JUN_2025 = month_index(2025, 6)
# A "today" far enough ahead that no report is overdue-relevant unless a test says so.
QUIET_TODAY = date(2025, 7, 1)


def series(nets: dict[int, int], *, members: int = 1, formed: int | None = None,
           handovers: tuple[tuple[int, int], ...] = (), group_id: int = 1) -> GroupSeries:
    """A group with one report per given month; one member by default so poverty never interferes."""
    reports = tuple(Report(month, net, members) for month, net in nets.items())
    if formed is None:
        formed = min(nets) if nets else JAN_2025
    return GroupSeries(group_id, formed, reports, handovers)


def kinds(flags) -> list[str]:
    return [flag.kind for flag in flags]


def only(flags, kind):
    matching = [flag for flag in flags if flag.kind == kind]
    assert len(matching) == 1, flags
    return matching[0]


def scipy_fit(xs, ys):
    slope = stats.theilslopes(ys, xs).slope
    intercept = stats.theilslopes(ys, xs, method="joint").intercept
    return float(slope), float(intercept)


# --- months -----------------------------------------------------------------


def test_month_index_round_trips_and_keeps_real_distance():
    assert month_index(2025, 1) - month_index(2024, 12) == 1
    assert month_index(2025, 6) - month_index(2024, 6) == 12
    for index in range(month_index(2019, 1), month_index(2031, 1)):
        assert periods.month_index(periods.from_month_index(index)) == index
    assert periods.from_month_index(month_index(2024, 12)) == date(2024, 12, 1)
    assert periods.format_month_index(month_index(2025, 3)) == "2025-03"


# --- Theil-Sen against scipy --------------------------------------------------


FIXED_SERIES = [
    # contiguous months, falling
    ([JAN_2025 + i for i in range(6)], [1_000_000, 955_000, 910_000, 870_000, 820_000, 775_000]),
    # missing months keep their real distance
    ([JAN_2025, JAN_2025 + 1, JAN_2025 + 4, JAN_2025 + 5], [500_000, 480_000, 530_000, 410_000]),
    ([JAN_2025 - 7, JAN_2025, JAN_2025 + 3, JAN_2025 + 11, JAN_2025 + 12], [1, 2, 30, -4, 5]),
    # ties in y
    ([JAN_2025 + i for i in range(6)], [100_000, 100_000, 120_000, 120_000, 100_000, 120_000]),
    # all equal
    ([JAN_2025 + i for i in range(5)], [250_000] * 5),
    # negative incomes (losses)
    ([JAN_2025 + i for i in range(6)], [-50_000, -120_000, 30_000, -300_000, -10_000, -75_000]),
    # even number of pairwise slopes (4 points -> 6 slopes) and odd (5 points -> 10; 6 -> 15)
    ([JAN_2025, JAN_2025 + 2, JAN_2025 + 3, JAN_2025 + 5], [7, 3, 11, 2]),
    # two points
    ([JAN_2025, JAN_2025 + 3], [900_000, 600_000]),
    # unsorted input
    ([JAN_2025 + 5, JAN_2025, JAN_2025 + 2, JAN_2025 + 1], [10, 40, 25, 35]),
]


@pytest.mark.parametrize(("xs", "ys"), FIXED_SERIES)
def test_theil_sen_matches_scipy_on_fixed_series(xs, ys):
    # Same float operations in the same order as scipy, so equal to the last bit.
    assert theil_sen(xs, ys) == scipy_fit(xs, ys)


def test_theil_sen_exact_values():
    assert theil_sen([1, 2, 3, 4], [10, 10, 10, 10]) == (0.0, 10.0)
    slope, intercept = theil_sen([JAN_2025 + i for i in range(6)], [1_000_000 - 45_000 * i for i in range(6)])
    assert slope == -45_000.0
    assert intercept + slope * JAN_2025 == pytest.approx(1_000_000)


def test_theil_sen_skips_equal_x_like_scipy_and_rejects_single_x():
    xs, ys = [1, 1, 2, 3], [5, 9, 4, 8]
    assert theil_sen(xs, ys) == pytest.approx(scipy_fit(xs, ys))
    with pytest.raises(ValueError):
        theil_sen([4, 4], [1, 2])
    with pytest.raises(ValueError):
        theil_sen([1, 2], [1])


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=23_000, max_value=25_000),
                  st.integers(min_value=-5_000_000, max_value=50_000_000)),
        min_size=2, max_size=12, unique_by=lambda pair: pair[0],
    )
)
def test_theil_sen_property_matches_scipy(pairs):
    xs = [x for x, _ in pairs]
    ys = [y for _, y in pairs]
    slope, intercept = theil_sen(xs, ys)
    expected_slope, expected_intercept = scipy_fit(xs, ys)
    assert slope == expected_slope
    assert intercept == expected_intercept


# --- compute_trend -------------------------------------------------------------


def test_trend_uses_window_and_matches_scipy():
    nets = {JAN_2025 - 3: 9_000_000, JAN_2025: 800_000, JAN_2025 + 1: 790_000, JAN_2025 + 3: 815_000,
            JAN_2025 + 4: 700_000, JAN_2025 + 5: 760_000}
    trend = compute_trend(series(nets), JUN_2025, FlagSettings())
    window_months = [m for m in nets if JAN_2025 <= m <= JUN_2025]
    assert trend.status == TREND_OK
    assert trend.reports == 5
    assert (trend.window_start, trend.window_end) == (JAN_2025, JUN_2025)
    assert trend.points == tuple((m, nets[m]) for m in window_months)
    expected = stats.theilslopes([nets[m] for m in window_months], window_months)
    assert trend.slope_per_month == pytest.approx(expected.slope)
    joint = stats.theilslopes([nets[m] for m in window_months], window_months, method="joint")
    assert trend.intercept == pytest.approx(joint.intercept)
    assert trend.line_value(JAN_2025) == pytest.approx(joint.intercept + joint.slope * JAN_2025)


def test_trend_insufficient_with_three_reports_in_window():
    nets = {JAN_2025 - 6: 100, JAN_2025: 300, JAN_2025 + 2: 200, JAN_2025 + 5: 100}
    trend = compute_trend(series(nets), JUN_2025, FlagSettings())
    assert trend.status == TREND_INSUFFICIENT
    assert trend_status(trend.status) == "data belum cukup"
    assert trend.reports == 3
    assert trend.slope_per_month is None and trend.intercept is None
    assert trend.line_value(JUN_2025) is None
    assert NOT_IMPROVING not in kinds(evaluate_group(series(nets), JUN_2025, QUIET_TODAY))


def test_trend_ignores_reports_after_as_of():
    nets = {JAN_2025 + i: 1_000_000 - 10_000 * i for i in range(6)}
    nets[JUN_2025 + 1] = 5_000_000
    trend = compute_trend(series(nets), JUN_2025, FlagSettings())
    assert trend.slope_per_month == -10_000
    assert trend.reports == 6


# --- not_improving -------------------------------------------------------------


def test_not_improving_reason_and_details_match_spec_example():
    nets = {JAN_2025 + i: 1_000_000 - 45_000 * i for i in range(6)}
    flags = evaluate_group(series(nets), JUN_2025, QUIET_TODAY)
    flag = only(flags, NOT_IMPROVING)
    assert flag_reason(flag) == "Pendapatan bersih turun rata-rata Rp45.000 per bulan (6 laporan, Januari–Juni 2025)."
    assert flag.details == {
        "slope_per_month": -45_000.0,
        "reports": 6,
        "window_start": "2025-01",
        "window_end": "2025-06",
        "yoy_median": None,
    }
    json.dumps(flag.details)
    # 45,000 a month against a median income of 887,500
    assert flag.severity == pytest.approx(45_000 / 887_500)


def test_not_improving_fires_at_four_reports_not_three():
    four = {JAN_2025: 500_000, JAN_2025 + 2: 490_000, JAN_2025 + 3: 480_000, JAN_2025 + 5: 470_000}
    assert NOT_IMPROVING in kinds(evaluate_group(series(four), JUN_2025, QUIET_TODAY))
    three = dict(list(four.items())[1:])
    assert NOT_IMPROVING not in kinds(evaluate_group(series(three), JUN_2025, QUIET_TODAY))


def test_slope_exactly_zero_is_flagged_and_positive_is_not():
    flat = {JAN_2025 + i: 600_000 for i in range(4)}
    flag = only(evaluate_group(series(flat), JAN_2025 + 3, QUIET_TODAY), NOT_IMPROVING)
    assert flag.details["slope_per_month"] == 0
    assert flag.severity == 0
    assert "Rp0 per bulan" in flag_reason(flag) and "4 laporan" in flag_reason(flag)
    rising = {JAN_2025 + i: 600_000 + i for i in range(4)}
    assert NOT_IMPROVING not in kinds(evaluate_group(series(rising), JAN_2025 + 3, QUIET_TODAY))


def test_reason_spans_year_end_and_rounds_slope():
    start = month_index(2024, 11)
    nets = {start + i: 1_000_000 - 20_000 * i - (i % 2) for i in range(6)}
    flag = only(evaluate_group(series(nets), start + 5, QUIET_TODAY), NOT_IMPROVING)
    assert flag.details["slope_per_month"] == pytest.approx(stats.theilslopes(list(nets.values()), list(nets)).slope)
    assert "November 2024–April 2025" in flag_reason(flag)
    assert "Rp20.000 per bulan" in flag_reason(flag)


def _seasonal(last_year_offset: int) -> GroupSeries:
    """Falling Jan-Jun 2025; the same months of 2024 are `offset` lower (>0: this year is better)."""
    this_year = {JAN_2025 + i: 1_000_000 - 50_000 * i for i in range(6)}
    last_year = {m - 12: net - last_year_offset for m, net in this_year.items()}
    return series({**last_year, **this_year})


def test_seasonal_dip_is_not_flagged_when_better_than_last_year():
    flags = evaluate_group(_seasonal(30_000), JUN_2025, QUIET_TODAY)
    assert NOT_IMPROVING not in kinds(flags)
    assert compute_trend(_seasonal(30_000), JUN_2025, FlagSettings()).yoy_median == 30_000


@pytest.mark.parametrize("offset", [0, -40_000])
def test_dip_is_flagged_when_not_better_than_last_year(offset):
    flag = only(evaluate_group(_seasonal(offset), JUN_2025, QUIET_TODAY), NOT_IMPROVING)
    assert flag.details["yoy_median"] == offset
    assert "Rp50.000" in flag_reason(flag)
    from kube.core.formatting import format_rupiah

    assert format_rupiah(offset) in flag_reason(flag)


def test_yoy_median_uses_only_months_with_both_years():
    this_year = {JAN_2025 + i: 1_000_000 - 50_000 * i for i in range(6)}
    # Only March and May 2024 exist: differences +10,000 and -30,000 -> median -10,000.
    last_year = {JAN_2025 + 2 - 12: this_year[JAN_2025 + 2] - 10_000,
                 JAN_2025 + 4 - 12: this_year[JAN_2025 + 4] + 30_000,
                 JAN_2025 - 13: 9_999_999}
    trend = compute_trend(series({**last_year, **this_year}), JUN_2025, FlagSettings())
    assert trend.yoy_median == -10_000
    flag = only(evaluate_group(series({**last_year, **this_year}), JUN_2025, QUIET_TODAY), NOT_IMPROVING)
    assert flag.details["yoy_median"] == -10_000


def test_reevaluating_a_past_month_ignores_later_reports():
    # Falling through March, then recovering strongly.
    nets = {JAN_2025 - 3 + i: 800_000 - 20_000 * i for i in range(6)}
    nets.update({JAN_2025 + 3: 2_000_000, JAN_2025 + 4: 2_100_000, JAN_2025 + 5: 2_200_000})
    group = series(nets)
    march = JAN_2025 + 2
    past = evaluate_group(group, march, QUIET_TODAY)
    truncated = series({m: y for m, y in nets.items() if m <= march}, formed=group.formed_month)
    assert past == evaluate_group(truncated, march, QUIET_TODAY)
    assert only(past, NOT_IMPROVING).details["slope_per_month"] == -20_000
    assert NOT_IMPROVING not in kinds(evaluate_group(group, JUN_2025, QUIET_TODAY))


# --- no_gain_after_grant ------------------------------------------------------------

G = month_index(2024, 12)


def _grant_group(baseline: list[int], after: list[int], grant_id: int = 77, extra=None) -> GroupSeries:
    nets = {G - len(baseline) + i: net for i, net in enumerate(baseline)}
    nets.update({G + 1 + i: net for i, net in enumerate(after)})
    nets.update(extra or {})
    return series(nets, handovers=((G, grant_id),))


def test_no_gain_waits_until_six_months_after_handover():
    group = _grant_group([1_000_000] * 3, [900_000] * 6)
    assert NO_GAIN_AFTER_GRANT not in kinds(evaluate_group(group, G + 5, QUIET_TODAY))
    flag = only(evaluate_group(group, G + 6, QUIET_TODAY), NO_GAIN_AFTER_GRANT)
    assert flag.details == {
        "grant_id": 77,
        "handover_month": "2024-12",
        "baseline_mean": 1_000_000.0,
        "baseline_reports": 3,
        "baseline_start": "2024-09",
        "baseline_end": "2024-11",
        "after_mean": 900_000.0,
        "after_reports": 6,
        "after_start": "2025-01",
        "after_end": "2025-06",
    }
    json.dumps(flag.details)
    assert "Rp900.000" in flag_reason(flag) and "Rp1.000.000" in flag_reason(flag)
    assert "6 laporan" in flag_reason(flag) and "3 laporan" in flag_reason(flag) and "Desember 2024" in flag_reason(flag)
    assert flag.severity == pytest.approx(0.1)


def test_after_equal_to_baseline_is_flagged_and_one_rupiah_more_is_not():
    # Means with remainders (1,000,000/3 vs 1,333,333.33/4) check exact comparison.
    equal = _grant_group([333_333, 333_334, 333_333], [333_333, 333_334, 333_333, 333_333, 333_334, 333_333])
    assert NO_GAIN_AFTER_GRANT in kinds(evaluate_group(equal, G + 6, QUIET_TODAY))
    flat = _grant_group([500_000, 500_000], [500_000] * 4)
    assert only(evaluate_group(flat, G + 6, QUIET_TODAY), NO_GAIN_AFTER_GRANT).severity == 0
    better = _grant_group([500_000, 500_000], [500_000, 500_000, 500_000, 500_001])
    assert NO_GAIN_AFTER_GRANT not in kinds(evaluate_group(better, G + 6, QUIET_TODAY))


def test_no_gain_needs_two_baseline_and_four_after_reports():
    assert NO_GAIN_AFTER_GRANT in kinds(evaluate_group(_grant_group([9, 9], [1] * 4), G + 6, QUIET_TODAY))
    assert NO_GAIN_AFTER_GRANT not in kinds(evaluate_group(_grant_group([9], [1] * 6), G + 6, QUIET_TODAY))
    assert NO_GAIN_AFTER_GRANT not in kinds(evaluate_group(_grant_group([9, 9, 9], [1] * 3), G + 6, QUIET_TODAY))


def test_no_gain_baseline_is_three_months_before_and_after_caps_at_twelve():
    # A report four months before the grant is outside the baseline; the
    # handover month itself is in neither window.
    group = _grant_group([100, 100], [100] * 12, extra={G - 3: 400, G - 4: 10_000, G: 10_000, G + 13: 0})
    flag = only(evaluate_group(group, G + 13, QUIET_TODAY), NO_GAIN_AFTER_GRANT)
    assert flag.details["baseline_reports"] == 3
    assert flag.details["baseline_mean"] == 200
    assert flag.details["after_reports"] == 12
    assert flag.details["after_mean"] == 100
    assert flag.details["after_end"] == periods.format_month_index(G + 12)


def test_no_gain_uses_latest_handover_up_to_as_of():
    group = _grant_group([1_000] * 3, [900] * 12)
    newer = GroupSeries(group.group_id, group.formed_month, group.reports, ((G, 77), (G + 9, 78)))
    # As of G+8 the later grant does not exist yet: judge grant 77.
    assert only(evaluate_group(newer, G + 8, QUIET_TODAY), NO_GAIN_AFTER_GRANT).details["grant_id"] == 77
    # From G+9 the latest grant is too recent, so nothing is judged.
    assert NO_GAIN_AFTER_GRANT not in kinds(evaluate_group(newer, G + 9, QUIET_TODAY))


def test_no_gain_ignores_reports_after_as_of():
    group = _grant_group([1_000] * 3, [900] * 6 + [5_000] * 6)
    assert only(evaluate_group(group, G + 6, QUIET_TODAY), NO_GAIN_AFTER_GRANT).details["after_mean"] == 900
    assert NO_GAIN_AFTER_GRANT not in kinds(evaluate_group(group, G + 12, QUIET_TODAY))


# --- missing_reports ---------------------------------------------------------------


def test_missing_reports_due_date_boundary_tenth_vs_eleventh():
    # Reports through April 2025; May and June missing. June is due 10 July.
    group = series({JAN_2025 + i: 500_000 for i in range(4)}, formed=JAN_2025)
    on_due_day = evaluate_group(group, JUN_2025, date(2025, 7, 10))
    # On 10 July June is still on time, so the latest overdue months are April and May.
    assert MISSING_REPORTS not in kinds(on_due_day)
    flag = only(evaluate_group(group, JUN_2025, date(2025, 7, 11)), MISSING_REPORTS)
    assert flag.details["missing_months"] == ["2025-05", "2025-06"]
    assert flag.details["months_without_report"] == 2
    assert "Mei dan Juni 2025" in flag_reason(flag) and "tanggal 10" in flag_reason(flag)
    json.dumps(flag.details)


def test_missing_reports_needs_both_latest_months_missing():
    only_june_missing = series({JAN_2025 + i: 500_000 for i in range(5)})
    assert MISSING_REPORTS not in kinds(evaluate_group(only_june_missing, JUN_2025, date(2025, 8, 1)))
    may_missing = series({JAN_2025 + i: 500_000 for i in (0, 1, 2, 3, 5)})
    assert MISSING_REPORTS not in kinds(evaluate_group(may_missing, JUN_2025, date(2025, 8, 1)))


def test_missing_reports_limited_to_as_of_and_counts_streak():
    group = series({JAN_2025: 500_000}, formed=JAN_2025)
    # As of March, far in the future: the latest two months are February and March.
    flag = only(evaluate_group(group, JAN_2025 + 2, date(2026, 1, 1)), MISSING_REPORTS)
    assert flag.details["missing_months"] == ["2025-02", "2025-03"]
    flag = only(evaluate_group(group, JUN_2025, date(2026, 1, 1)), MISSING_REPORTS)
    assert flag.details["months_without_report"] == 5
    assert "5 bulan berturut-turut" in flag_reason(flag)
    assert flag.severity == pytest.approx(5 / 12)


def test_missing_reports_ignores_months_before_formation():
    # Formed in June 2025: only June is overdue on 11 July, so there are not two months yet.
    young = GroupSeries(1, JUN_2025, (), ())
    assert MISSING_REPORTS not in kinds(evaluate_group(young, JUN_2025, date(2025, 7, 11)))
    formed_may = GroupSeries(1, JUN_2025 - 1, (), ())
    assert MISSING_REPORTS in kinds(evaluate_group(formed_may, JUN_2025, date(2025, 7, 11)))


def test_missing_reports_across_year_end():
    group = series({month_index(2024, 10): 1}, formed=month_index(2024, 10))
    flag = only(evaluate_group(group, month_index(2025, 1), date(2025, 2, 11)), MISSING_REPORTS)
    assert flag.details["missing_months"] == ["2024-12", "2025-01"]
    assert "Desember 2024 dan Januari 2025" in flag_reason(flag)


def test_due_day_is_configurable():
    group = series({JAN_2025 + i: 500_000 for i in range(4)}, formed=JAN_2025)
    custom = FlagSettings(due_day=5)
    assert MISSING_REPORTS in kinds(evaluate_group(group, JUN_2025, date(2025, 7, 6), custom))
    assert MISSING_REPORTS not in kinds(evaluate_group(group, JUN_2025, date(2025, 7, 5), custom))
    with pytest.raises(ValueError):
        FlagSettings(due_day=31)


# --- below_extreme_poverty --------------------------------------------------------


def _members_series(rows: list[tuple[int, int, int]]) -> GroupSeries:
    return GroupSeries(1, rows[0][0], tuple(Report(m, net, members) for m, net, members in rows), ())


def test_per_capita_exactly_at_line_is_not_flagged_one_below_is():
    at_line = _members_series([(JAN_2025, 1_200_000, 3), (JAN_2025 + 1, 2_000_000, 5), (JAN_2025 + 2, 400_000, 1)])
    assert BELOW_EXTREME_POVERTY not in kinds(evaluate_group(at_line, JAN_2025 + 2, QUIET_TODAY))
    # A mean of thirds that lands exactly on the line: (400,000.33 + 399,999.67 + 400,000) / 3.
    thirds = _members_series([(JAN_2025, 1_200_001, 3), (JAN_2025 + 1, 1_199_999, 3), (JAN_2025 + 2, 400_000, 1)])
    assert BELOW_EXTREME_POVERTY not in kinds(evaluate_group(thirds, JAN_2025 + 2, QUIET_TODAY))
    below = _members_series([(JAN_2025, 1_199_999, 3), (JAN_2025 + 1, 2_000_000, 5), (JAN_2025 + 2, 400_000, 1)])
    flag = only(evaluate_group(below, JAN_2025 + 2, QUIET_TODAY), BELOW_EXTREME_POVERTY)
    assert flag.details["per_capita_mean"] == pytest.approx((1_199_999 / 3 + 400_000 + 400_000) / 3)
    assert flag.details["line"] == 400_000 and flag.details["reports"] == 3
    json.dumps(flag.details)


def test_poverty_uses_last_three_reports_up_to_as_of():
    rows = [(JAN_2025, 100_000, 1), (JAN_2025 + 1, 900_000, 1), (JAN_2025 + 3, 900_000, 1),
            (JAN_2025 + 4, 900_000, 1), (JAN_2025 + 5, 100_000, 1)]
    group = _members_series(rows)
    # As of May: Feb, Apr, May -> 900,000 each: not flagged (January is too old).
    assert BELOW_EXTREME_POVERTY not in kinds(evaluate_group(group, JAN_2025 + 4, QUIET_TODAY))
    # As of June: Apr, May, Jun -> mean 633,333: still fine.
    assert BELOW_EXTREME_POVERTY not in kinds(evaluate_group(group, JUN_2025, QUIET_TODAY))
    # As of January only the January report counts, and one report is enough.
    flag = only(evaluate_group(group, JAN_2025, QUIET_TODAY), BELOW_EXTREME_POVERTY)
    assert flag.details["reports"] == 1
    assert flag.details["months"] == ["2025-01"]


def test_poverty_reason_and_severity():
    rows = [(JAN_2025 + 3, 1_050_000, 3), (JAN_2025 + 4, 1_050_000, 3), (JAN_2025 + 5, 1_050_000, 3)]
    flag = only(evaluate_group(_members_series(rows), JUN_2025, QUIET_TODAY), BELOW_EXTREME_POVERTY)
    assert flag_reason(flag) == (
        "Rata-rata pendapatan bersih per anggota Rp350.000 per bulan (3 laporan terakhir, April–Juni 2025), "
        "di bawah garis kemiskinan ekstrem Rp400.000 per orang per bulan."
    )
    assert flag.severity == pytest.approx(50_000 / 400_000)


def test_poverty_skips_reports_without_members_and_needs_a_report():
    rows = [(JAN_2025, 2_000_000, 1), (JAN_2025 + 1, 0, 0)]
    assert BELOW_EXTREME_POVERTY not in kinds(evaluate_group(_members_series(rows), JAN_2025 + 1, QUIET_TODAY))
    assert evaluate_group(GroupSeries(1, JUN_2025, (), ()), JUN_2025, QUIET_TODAY) == []


def test_negative_income_reason_shows_minus_rupiah():
    rows = [(JAN_2025 + 5, -90_000, 2)]
    flag = only(evaluate_group(_members_series(rows), JUN_2025, QUIET_TODAY), BELOW_EXTREME_POVERTY)
    assert "-Rp45.000" in flag_reason(flag)


# --- sorting, validation, speed ---------------------------------------------------------


def test_evaluate_groups_sorts_most_serious_first():
    gentle = series({JAN_2025 + i: 1_000_000 - 1_000 * i for i in range(6)}, group_id=1)
    steep = series({JAN_2025 + i: 1_000_000 - 100_000 * i for i in range(6)}, group_id=2)
    poor = _members_series([(JAN_2025 + 5, 100_000, 2)])
    poor = GroupSeries(3, poor.formed_month, poor.reports, ())
    flags = evaluate_groups([gentle, steep, poor], JUN_2025, QUIET_TODAY)
    assert [(f.group_id, f.kind) for f in flags] == [
        (3, BELOW_EXTREME_POVERTY), (2, NOT_IMPROVING), (1, NOT_IMPROVING),
    ]
    severities = [f.severity for f in flags]
    assert severities == sorted(severities, reverse=True)


def test_group_series_sorts_reports_and_rejects_duplicate_months():
    group = GroupSeries(1, JAN_2025, (Report(JAN_2025 + 1, 2, 1), Report(JAN_2025, 1, 1)), ())
    assert [r.month for r in group.reports] == [JAN_2025, JAN_2025 + 1]
    with pytest.raises(ValueError):
        GroupSeries(1, JAN_2025, (Report(JAN_2025, 2, 1), Report(JAN_2025, 1, 1)), ())


def test_series_from_columns_in_any_order_equals_the_constructed_one():
    reports = (Report(JAN_2025 + 2, 30, 3), Report(JAN_2025, 10, 1), Report(JAN_2025 + 1, -20, 0))
    built = GroupSeries(7, JAN_2025, reports, [[JAN_2025 + 1, 99]])
    months, nets, members = zip(*reports)
    from_columns = GroupSeries.from_columns(7, JAN_2025, list(months), list(nets), list(members), [(JAN_2025 + 1, 99)])
    assert from_columns == built and hash(from_columns) == hash(built)
    assert list(from_columns.months) == [JAN_2025, JAN_2025 + 1, JAN_2025 + 2]
    assert from_columns.reports == tuple(sorted(reports))
    assert from_columns.report_for(JAN_2025 + 1) == Report(JAN_2025 + 1, -20, 0)
    assert from_columns.report_for(JAN_2025 + 3) is None and from_columns.net_for(JAN_2025 - 1) is None
    assert from_columns != GroupSeries(7, JAN_2025, reports[:2], [(JAN_2025 + 1, 99)])


# Random groups: which months they reported (of 30), what they earned, how many members were active.
_random_months = st.dictionaries(st.integers(min_value=0, max_value=29),
                                 st.tuples(st.integers(min_value=-2_000_000, max_value=3_000_000),
                                           st.integers(min_value=0, max_value=4)),
                                 max_size=30)


@hypothesis_settings(max_examples=300, deadline=None)
@given(_random_months, st.integers(min_value=0, max_value=29), st.integers(min_value=0, max_value=12))
def test_not_improving_agrees_with_the_trend_the_charts_draw(reported, as_of_offset, formed_offset):
    # The flag computes the trend's figures lazily; it must fire exactly when the trend says so, with its figures.
    group = GroupSeries(1, JAN_2025 + formed_offset,
                        [Report(JAN_2025 + m, net, members) for m, (net, members) in reported.items()])
    as_of = JAN_2025 + as_of_offset
    trend = compute_trend(group, as_of)
    flags = [flag for flag in evaluate_group(group, as_of, QUIET_TODAY) if flag.kind == NOT_IMPROVING]
    falling = (trend.status == TREND_OK and trend.slope_per_month <= 0
               and not (trend.yoy_median is not None and trend.yoy_median > 0))
    assert len(flags) == (1 if falling else 0)
    if falling:
        assert flags[0].details == {
            "slope_per_month": trend.slope_per_month, "reports": trend.reports,
            "window_start": periods.format_month_index(trend.window_start),
            "window_end": periods.format_month_index(trend.window_end), "yoy_median": trend.yoy_median}
        assert flags[0].severity == abs(trend.slope_per_month) / max(abs(trend.typical_net), 1.0)


@hypothesis_settings(max_examples=300, deadline=None)
@given(_random_months, st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=28))
def test_missing_reports_streak_counts_every_silent_month_back(reported, formed_offset, day):
    group = GroupSeries(1, JAN_2025 + formed_offset,
                        [Report(JAN_2025 + m, net, members) for m, (net, members) in reported.items()])
    today = date(2027, 7, day)  # July 2027: June, month 29 of the draw, is overdue from the 11th
    flags = [flag for flag in evaluate_group(group, JAN_2025 + 29, today) if flag.kind == MISSING_REPORTS]
    latest = JAN_2025 + 29 if day > 10 else JAN_2025 + 28
    silent = 0  # counted month by month, as a person would
    while latest - silent >= group.formed_month and group.report_for(latest - silent) is None:
        silent += 1
    if silent < 2:
        assert flags == []
    else:
        assert flags[0].details["months_without_report"] == silent


@hypothesis_settings(max_examples=300, deadline=None)
@given(_random_months, st.integers(min_value=0, max_value=29))
def test_poverty_judges_the_last_three_reports_with_members(reported, as_of_offset):
    group = GroupSeries(1, JAN_2025, [Report(JAN_2025 + m, net, members) for m, (net, members) in reported.items()])
    as_of = JAN_2025 + as_of_offset
    flags = [flag for flag in evaluate_group(group, as_of, QUIET_TODAY) if flag.kind == BELOW_EXTREME_POVERTY]
    usable = [report for report in group.reports_up_to(as_of) if report.active_members > 0][-3:]
    per_capita = sum(Fraction(report.net, report.active_members) for report in usable) / max(len(usable), 1)
    if not usable or per_capita >= 400_000:
        assert flags == []
    else:
        assert flags[0].details == {"per_capita_mean": float(per_capita), "line": 400_000, "reports": len(usable),
                                    "months": [periods.format_month_index(report.month) for report in usable]}


def test_settings_are_configurable():
    nets = {JAN_2025 + i: 500_000 - i for i in range(3)}
    loose = FlagSettings(window_months=3, min_reports=3)
    assert NOT_IMPROVING in kinds(evaluate_group(series(nets), JAN_2025 + 2, QUIET_TODAY, loose))
    assert NOT_IMPROVING not in kinds(evaluate_group(series(nets), JAN_2025 + 2, QUIET_TODAY))
    with pytest.raises(ValueError):
        FlagSettings(min_reports=1)
