"""Stored current flags: always equal to the flags computed from scratch, `opened`, the refresh command and its warning.

The property test runs random sequences of everything a flag depends on (reports stored, corrected and
verified, historical reports, live and historical handovers, members joining and leaving, status and
formation changes, moves to another kecamatan, savepoints rolled back, days passing) and after each committed
step compares the stored flags with `compute_flags` from scratch, `opened` with a month-by-month walk written
out here, and the dashboard's running totals with every group's contribution summed from scratch.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube.core.clock import office_today, utc_now
from kube.core.errors import DomainError
from kube.core.periods import format_month_index, from_month_index, month_index
from kube.core.transaction import committed
from kube.extensions import db as _db
from kube.groups import operations as groups
from kube.groups.models import Group, Region
from kube.ledger import operations as ledger
from kube.ledger.history import record_historical_grant
from kube.ledger.models import Budget
from kube.monitoring import operations, stored, tallies, trends
from kube.monitoring.models import CurrentFlag, DashboardTally, FlagCase, FlagCount, FlagRefresh, NetTally
from kube.monitoring.trends import BELOW_EXTREME_POVERTY, MISSING_REPORTS, NOT_IMPROVING
from kube.reports.models import IncomeReport
from kube.reports.operations import record_historical_reports, submit_report, verify_report
from tests.factories import make_group, make_user, member_values
from tests.monitoring_data import AS_OF, TODAY, M, add_reports, bare_group

GO_LIVE = date(2026, 1, 1)
START = date(2026, 3, 5)  # February is the as-of month; its reports are not due until 10 March


@pytest.fixture
def app_overrides() -> dict:
    # Handovers before 2026 are history (record_historical_grant), later ones go through the ledger.
    return {"GO_LIVE_DATE": GO_LIVE}


def refresh(today: date) -> stored.RefreshResult:
    """What cron does: a full refresh, committed."""
    with committed():
        return stored.refresh_all(today)


def walked_opened(series: trends.GroupSeries, kind: str, as_of: int, today: date,
                  flag_settings: trends.FlagSettings) -> int:
    """`opened` the slow way: step back a month while the group existed and still carried the flag."""
    month = as_of
    floor = max(series.formed_month, month_index(operations.EARLIEST_AS_OF))
    while month - 1 >= floor and kind in {f.kind for f in trends.evaluate_group(series, month - 1, today,
                                                                                 flag_settings)}:
        month -= 1
    return month


def assert_stored_equals_computed(today: date) -> None:
    """The stored flags are today's, equal to compute_flags from scratch, with `opened` as walked by hand."""
    _db.session.expire_all()
    kept = stored.current_flags(today)
    assert kept is not None, "the stored flags are not on today's basis"
    as_of = operations.default_as_of(today)
    live = operations.compute_flags(as_of, today, with_opened=True)
    assert kept.flags == live.flags
    assert kept.opened == live.opened
    # No leftover row (a group that stopped being active, a flag that went away).
    assert _db.session.scalar(sa.select(sa.func.count(CurrentFlag.id))) == len(live.flags)
    assert set(_db.session.scalars(sa.select(CurrentFlag.as_of).distinct())) <= {from_month_index(as_of)}
    # The counts kept with the flags are theirs, every kind listed.
    assert dict(_db.session.execute(sa.select(FlagCount.kind, FlagCount.count)).all()) == {
        kind: sum(flag.kind == kind for flag in live.flags) for kind in trends.FLAG_KINDS}
    data = operations.load_monitoring_data(as_of)
    series = {s.group_id: s for s in data.series}
    flag_settings = operations.flag_settings()
    for (group_id, kind), opened in live.opened.items():
        assert opened == walked_opened(series[group_id], kind, as_of, today, flag_settings), (group_id, kind)
    assert_cases_equal_walked(today, data, flag_settings)
    assert_dashboard_totals_equal_scratch(today)


def assert_dashboard_totals_equal_scratch(today: date) -> None:
    """The dashboard's running totals equal the sums of every group's contribution from scratch, the facts kept
    are the groups' own, and the dashboard read from them equals the one counted live."""
    every = tallies.current_facts()
    assert tallies.kept_facts(list(every)) == every
    scratch = tallies.Change()
    for facts in every.values():
        scratch.add(facts, 1)
    kept = {(code, measure, month, day): value for code, measure, month, day, value in _db.session.execute(
        sa.select(DashboardTally.kecamatan_code, DashboardTally.measure, DashboardTally.month, DashboardTally.day,
                  DashboardTally.value)) if value}
    assert {key: value for key, value in kept.items() if key[1] not in (tallies.FLAGGED, tallies.CASES)} == {
        key: value for key, value in scratch.figures.items() if value}
    assert {key: value for key, value in kept.items() if key[1] == tallies.CASES} == tallies.case_counts()
    assert {(month, level, bucket): count for month, level, bucket, count in _db.session.execute(
        sa.select(NetTally.month, NetTally.level, NetTally.bucket, NetTally.count)) if count} == {
        key: value for key, value in scratch.tree.items() if value}
    assert operations.dashboard_figures(today, stored=stored.dashboard(today)) == operations.dashboard_figures(today)


def walked_cases(series: trends.GroupSeries, as_of: int, today: date,
                 flag_settings: trends.FlagSettings) -> set[tuple[str, int, int | None]]:
    """A group's cases the slow way: every month from its formation evaluated on its own, runs cut where a flag stops."""
    cases, running = set(), {}
    for month in range(max(series.formed_month, month_index(operations.EARLIEST_AS_OF)), as_of + 1):
        holding = {flag.kind for flag in trends.evaluate_group(series, month, today, flag_settings)}
        for kind in set(running) - holding:
            cases.add((kind, running.pop(kind), month))
        for kind in holding - set(running):
            running[kind] = month
    return cases | {(kind, opened, None) for kind, opened in running.items()}


def stored_cases() -> dict[int, set[tuple[str, int, int | None]]]:
    """Every stored case by group: (kind, opened, closed) as month indexes."""
    found: dict[int, set] = {}
    for case in _db.session.scalars(sa.select(FlagCase)):
        closed = None if case.closed is None else month_index(case.closed)
        assert case.months_open == (None if closed is None else closed - month_index(case.opened))
        found.setdefault(case.group_id, set()).add((case.kind, month_index(case.opened), closed))
    return found


def assert_cases_equal_walked(today: date, data: operations.MonitoringData,
                              flag_settings: trends.FlagSettings) -> None:
    """Groups the flags see have exactly their walked cases; the others none open, none at all if not yet formed."""
    as_of = operations.default_as_of(today)
    kept = stored_cases()
    for series in data.series:
        assert kept.pop(series.group_id, set()) == walked_cases(series, as_of, today, flag_settings), series.group_id
    for group_id, cases in kept.items():
        group = _db.session.get(Group, group_id)
        assert group.status != "active", (group_id, "an active group not formed by the as-of month keeps cases")
        assert all(closed is not None for _kind, _opened, closed in cases), group_id


# -- the property test ------------------------------------------------------------------------

_letters = itertools.count(1)
NETS = (-200_000, 300_000, 1_200_000, 1_500_000, 3_000_000)  # few levels: flat and falling runs come often
group_index = st.integers(0, 3)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("report"), group_index, st.integers(1, 14), st.sampled_from(NETS), st.integers(1, 5)),
        st.tuples(st.just("verify"), group_index, st.integers(1, 14)),
        st.tuples(st.just("history_report"), group_index, st.integers(13, 26), st.sampled_from(NETS)),
        st.tuples(st.just("handover"), group_index),
        st.tuples(st.just("history_grant"), group_index, st.integers(1, 20)),
        st.tuples(st.just("join"), group_index),
        st.tuples(st.just("leave"), group_index),
        st.tuples(st.just("status"), group_index, st.sampled_from(["active", "graduated", "dissolved"])),
        st.tuples(st.just("formed"), group_index, st.integers(-6, 30)),
        st.tuples(st.just("move"), group_index),  # to a kelurahan of another kecamatan
        st.tuples(st.just("savepoints"), group_index, st.sampled_from(NETS)),
        st.tuples(st.just("rollback"), group_index, st.integers(1, 14)),
        st.tuples(st.just("days"), st.integers(1, 40)),
        # Days pass and, before the daily refresh, a report changes a past month: the refresh must rebuild it.
        st.tuples(st.just("days_then_report"), st.integers(1, 40), group_index, st.integers(2, 20),
                  st.sampled_from(NETS)),
    ),
    min_size=1, max_size=14,
)
#: Each group starts with one of these: monthly nets for the 14 months up to the start's as-of month.
PATTERNS = st.lists(st.sampled_from(["falling", "rising", "poor", "silent", "none"]), min_size=4, max_size=4)
_PATTERN_NETS = {
    "falling": [3_000_000 - 150_000 * i for i in range(14)],
    "rising": [1_000_000 + 150_000 * i for i in range(14)],
    "poor": [600_000] * 14,
    "silent": [2_000_000] * 10,
}


def _ensure_budgets(admin) -> None:
    for year in range(2024, 2028):
        if _db.session.scalar(sa.select(Budget.id).where(Budget.program == "KUBE", Budget.year == year)) is None:
            ledger.create_budget("KUBE", year, 900_000_000, "APBD", admin)


def _report_values(net: int, members: int) -> dict:
    return {"revenue": max(net, 0) + 500_000, "expenses": 500_000 - min(net, 0), "active_members": members}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(patterns=PATTERNS, steps=steps)
def test_stored_flags_always_equal_the_flags_computed_from_scratch(app, db, frozen, patterns, steps):
    moment = datetime.combine(START, datetime.min.time().replace(hour=5), tzinfo=timezone.utc)
    frozen(moment)
    with committed():
        maker, checker, admin = make_user("officer"), make_user("officer"), make_user("admin")
        _ensure_budgets(admin)
        # Three running groups and one still proposed (it can become active).
        kube = [make_group(maker, members=5, status="active" if n < 3 else "proposed") for n in range(4)]
        first = M(2025, 1)
        for group, pattern in zip(kube, patterns):
            nets = _PATTERN_NETS.get(pattern, [])
            add_reports(group, {first + i: net for i, net in enumerate(nets)}, members=3)
    group_ids = [group.id for group in kube]
    refresh(START)
    assert_stored_equals_computed(START)

    def group(index: int) -> Group:
        return db.session.get(Group, group_ids[index])

    for step in steps:
        kind = step[0]
        today = before = office_today()
        try:
            with committed():
                if kind == "report":
                    _kind, g, back, net, members = step
                    submit_report(group(g), from_month_index(month_index(today) - back), _report_values(net, members),
                                  maker, confirmed=True, reason="koreksi dari buku kas")
                elif kind == "verify":
                    verify_report(group(step[1]), from_month_index(month_index(today) - step[2]), checker)
                elif kind == "history_report":
                    _kind, g, back, net = step
                    record_historical_reports(group(g), [{"period": from_month_index(month_index(today) - back),
                                                          **_report_values(net, 3)}], admin, today=today)
                elif kind == "handover":
                    grant = ledger.create_grant("KUBE", today.year, group(step[1]), [{"kind": "cash", "unit_value": 5_000_000}],
                                                maker)
                    ledger.submit_grant(grant, maker)
                    ledger.approve_grant(grant, checker, today=today, override_reason="Tambahan modal usaha uji")
                    ledger.handover_grant(grant, today, group(step[1]).ketua, maker, today=today)
                elif kind == "history_grant":
                    handover = from_month_index(month_index(GO_LIVE) - step[2]) + timedelta(days=14)
                    target = group(step[1])
                    record_historical_grant(program="KUBE", year=handover.year, group=target,
                                            lines=[{"kind": "cash", "unit_value": 4_000_000}], approved_on=handover,
                                            handover_date=handover, letter_number=f"BAST/UJI/{next(_letters)}",
                                            received_by=target.ketua, actor=admin)
                elif kind == "join":
                    groups.add_member(group(step[1]), member_values(joined_on=today), maker)
                elif kind == "leave" and group(step[1]).current_members:
                    groups.member_leaves(group(step[1]).current_members[-1], today, maker, "pindah")
                elif kind == "status":
                    groups.transition_group(group(step[1]), step[2], admin)
                elif kind == "formed":
                    groups.update_group(group(step[1]), {"formed_on": date(2024, 1, 10) + timedelta(days=30 * step[2])},
                                        admin)
                elif kind == "move":
                    target = group(step[1])
                    elsewhere = _db.session.scalar(
                        sa.select(Region.code).where(Region.level == "kelurahan",
                                                     Region.parent_code != target.kelurahan.parent_code)
                        .order_by(Region.code))
                    groups.update_group(target, {"kelurahan_code": elsewhere}, admin)
                elif kind == "savepoints":
                    # A change outside the savepoints, recomputed inside an inner one that commits, whose outer
                    # one then rolls back: the recomputed rows are gone and must be made again at commit.
                    _kind, g, net = step
                    for back in (1, 2, 3):  # the last three months: flags of every kind see them
                        submit_report(group(g), from_month_index(month_index(today) - back), _report_values(net, 2),
                                      maker, confirmed=True, reason="koreksi")
                    outer = db.session.begin_nested()
                    inner = db.session.begin_nested()
                    inner.commit()
                    outer.rollback()
                elif kind == "rollback":
                    submit_report(group(step[1]), from_month_index(month_index(today) - step[2]),
                                  _report_values(-200_000, 1), maker, confirmed=True, reason="salah ketik")
                    raise DomainError("dibatalkan")  # the whole transaction is rolled back
                elif kind in ("days", "days_then_report"):
                    moment += timedelta(days=step[1])
                    frozen(moment)
            if kind == "days_then_report":
                with committed():
                    _kind, _days, g, back, net = step
                    submit_report(group(g), from_month_index(month_index(office_today()) - back),
                                  _report_values(net, 2), maker, confirmed=True, reason="laporan terlambat")
        except DomainError:
            pass  # a refused step must leave the stored flags as they were
        today = office_today()
        if kind.startswith("days") and stored.basis_for(today) != stored.basis_for(before):
            # A new month or a due date passed: until the daily refresh the stored flags are not used.
            assert stored.current_flags(today) is None
            refresh(today)
        assert_stored_equals_computed(today)


# -- opened -----------------------------------------------------------------------------------

@pytest.mark.usefixtures("monitoring_day")
def test_opened_is_the_first_month_of_the_current_run_and_a_break_resets_it(app, db, users):
    officer = users["officer"]
    steady = bare_group(officer.id, "Kube Miskin Terus")
    broken = bare_group(officer.id, "Kube Sempat Membaik")
    fresh = bare_group(officer.id, "Kube Baru Miskin", formed_on=date(2026, 4, 2))
    low = {M(2026, 1) + i: 300_000 for i in range(6)}  # Rp60.000 for each of 5 members: far below the line
    # Reporting since April: flagged in April, May and June, three months in a row.
    add_reports(steady, {month: net for month, net in low.items() if month >= M(2026, 4)})
    # Flagged in January and February; March's Rp9.000.000 lifts the mean of the last three reports above the line
    # from March to May (a break); flagged again in June, when March is no longer among them.
    add_reports(broken, {**low, M(2026, 3): 9_000_000})
    # Reports from January, but formed in April: the run cannot begin before the group existed.
    add_reports(fresh, low)
    db.session.commit()
    result = operations.compute_flags(AS_OF, TODAY, operations.FlagFilters(kind=BELOW_EXTREME_POVERTY),
                                      with_opened=True)
    flagged = {flag.group_id for flag in result.flags}
    assert flagged == {steady.id, broken.id, fresh.id}
    opened = {group_id: format_month_index(month) for (group_id, _kind), month in result.opened.items()}
    assert opened == {steady.id: "2026-04", broken.id: "2026-06", fresh.id: "2026-04"}
    # The break is real: in February the broken group was flagged, in May it was not.
    poverty = operations.FlagFilters(kind=BELOW_EXTREME_POVERTY)
    assert broken.id in {f.group_id for f in operations.compute_flags(M(2026, 2), TODAY, poverty).flags}
    assert broken.id not in {f.group_id for f in operations.compute_flags(M(2026, 5), TODAY, poverty).flags}
    # The same months are stored.
    refresh(TODAY)
    kept = stored.current_flags(TODAY, operations.FlagFilters(kind=BELOW_EXTREME_POVERTY))
    assert {group_id: format_month_index(month) for (group_id, _kind), month in kept.opened.items()} == opened


@pytest.mark.usefixtures("monitoring_day")
def test_missing_reports_opened_counts_back_through_the_silence(app, db, users):
    silent = bare_group(users["officer"].id, "Kube Diam Lama")
    add_reports(silent, {M(2026, 1): 2_000_000})  # nothing since January
    db.session.commit()
    result = operations.compute_flags(AS_OF, TODAY, operations.FlagFilters(kind=MISSING_REPORTS), with_opened=True)
    # February and March missing is the first month that has "the latest two" missing.
    assert result.opened == {(silent.id, MISSING_REPORTS): M(2026, 3)}
    # A group that never reported is flagged from its second month.
    never = bare_group(users["officer"].id, "Kube Tak Pernah Lapor", formed_on=date(2025, 11, 20))
    db.session.commit()
    result = operations.compute_flags(AS_OF, TODAY, operations.FlagFilters(kind=MISSING_REPORTS), with_opened=True)
    assert result.opened[(never.id, MISSING_REPORTS)] == M(2025, 12)


@pytest.mark.usefixtures("monitoring_day")
def test_a_report_updates_the_stored_flag_and_its_opened_in_the_same_transaction(app, db, users, dataset):
    refresh(TODAY)
    falling = dataset["groups"]["falling"]
    kept = stored.current_flags(TODAY, operations.FlagFilters(kind=NOT_IMPROVING))
    assert [flag.group_id for flag in kept.flags] == [falling.id]
    assert kept.opened[(falling.id, NOT_IMPROVING)] == M(2026, 4)
    # May and June turn out much better (corrected): the fall is over, and the stored flag goes at commit.
    for month in (M(2026, 5), AS_OF):
        submit_report(falling, from_month_index(month), {"revenue": 9_500_000, "expenses": 500_000},
                      users["officer"], confirmed=True, reason="koreksi")
    db.session.commit()
    assert stored.current_flags(TODAY, operations.FlagFilters(kind=NOT_IMPROVING)).flags == []
    assert_stored_equals_computed(TODAY)
    # A change rolled back leaves the stored flags alone.
    submit_report(dataset["groups"]["rising"], from_month_index(AS_OF), {"revenue": 500_000, "expenses": 500_000},
                  users["officer"], confirmed=True, reason="koreksi")
    db.session.rollback()
    assert_stored_equals_computed(TODAY)


@pytest.mark.usefixtures("monitoring_day")
def test_a_savepoint_rolled_back_after_recomputing_inside_it_recomputes_again_at_commit(app, db, users, dataset):
    refresh(TODAY)
    falling = dataset["groups"]["falling"]
    for month in (M(2026, 5), AS_OF):
        submit_report(falling, from_month_index(month), {"revenue": 9_500_000, "expenses": 500_000},
                      users["officer"], confirmed=True, reason="koreksi")
    outer = db.session.begin_nested()
    inner = db.session.begin_nested()
    inner.commit()  # the falling group is recomputed here, inside `outer`...
    outer.rollback()  # ...and that is undone, while the reports outside `outer` stay
    db.session.commit()
    assert NOT_IMPROVING not in {flag.kind for flag in stored.current_flags(TODAY).flags}
    assert_stored_equals_computed(TODAY)


@pytest.mark.usefixtures("monitoring_day")
def test_stored_flags_are_not_used_off_their_basis(app, db, users, dataset, frozen):
    assert stored.current_flags(TODAY) is None  # never refreshed
    refresh(TODAY)
    assert stored.current_flags(TODAY) is not None
    # A new month: the stored flags are July's no longer... and a commit does not touch them.
    frozen(date(2026, 8, 2))
    assert stored.current_flags(date(2026, 8, 2)) is None
    add_reports(dataset["groups"]["rising"], {M(2026, 7): 1})
    db.session.commit()
    assert {row.as_of for row in db.session.scalars(sa.select(CurrentFlag))} == {from_month_index(AS_OF)}
    # Before the due date (10 July) June's missing report does not count yet: another basis.
    assert stored.basis_for(date(2026, 7, 10)) != stored.basis_for(TODAY)
    assert stored.current_flags(date(2026, 7, 10)) is None


def test_other_settings_are_another_basis(app, db, users, frozen):
    frozen(TODAY)
    refresh(TODAY)
    assert stored.current_flags(TODAY) is not None
    app.config["EXTREME_POVERTY_LINE"] = 500_000
    try:
        assert stored.current_flags(TODAY) is None
    finally:
        app.config["EXTREME_POVERTY_LINE"] = 400_000


# -- pages and API read the stored flags, and give the same answers -----------------------------

def _without_refresh_line(page: str) -> str:
    """The page without the refresh line and warning (they differ before and after a refresh), blank lines dropped."""
    # The effectiveness table reads the stored cases only, so it differs before the first refresh.
    page = re.sub(r'<section class="card" id="effectiveness">.*?</section>', "", page, flags=re.S)
    page = re.sub(r'<p class="muted" id="flags-refreshed">.*?</p>\s*(<div[^>]*id="flags-refresh-stale".*?</div>)?',
                  "", page, flags=re.S)
    return re.sub(r"\n\s*\n", "\n", page)


@pytest.mark.usefixtures("monitoring_day")
def test_pages_and_api_answer_the_same_from_stored_flags(app, client, db, login, users, dataset, monkeypatch):
    from tests.factories import api_token

    login(users["officer"])
    headers = api_token(client, users["officer"])
    urls = ["/monitoring/flags", "/monitoring/flags?kind=missing_reports", "/monitoring/flags?kecamatan=36.73.01",
            f"/monitoring/flags?officer={dataset['other_officer'].id}", "/monitoring/flags?no_follow_up=1",
            "/monitoring/flags?open_over=3", "/monitoring/dashboard"]
    api_urls = ["/api/v1/flags", "/api/v1/flags?kind=not_improving", "/api/v1/flags?kecamatan=36.73.04",
                "/api/v1/flags?per_page=2&page=2"]
    live = [_without_refresh_line(client.get(url).get_data(as_text=True)) for url in urls]

    def api(url: str) -> tuple:
        response = client.get(url, headers=headers)
        return response.get_json(), response.headers["X-Pagination"]

    live_api = [api(url) for url in api_urls]
    refresh(TODAY)

    def evaluated(*_args, **_kwargs):
        raise AssertionError("the stored flags are read, nothing is evaluated")

    monkeypatch.setattr(trends, "evaluate_groups", evaluated)
    assert [_without_refresh_line(client.get(url).get_data(as_text=True)) for url in urls] == live
    assert [api(url) for url in api_urls] == live_api
    assert any(flag["opened"] != "2026-06" for flag in live_api[0][0]["flags"])
    # The second page of two is the third and fourth flag of the whole list.
    assert live_api[3][0]["flags"] == live_api[0][0]["flags"][2:4]
    assert json.loads(live_api[3][1])["total"] == len(live_api[0][0]["flags"])


@pytest.mark.usefixtures("monitoring_day")
def test_stored_flags_pages_take_the_same_number_of_queries_for_more_groups(app, client, db, login, users):
    from tests.factories import api_token
    from tests.statements import recorded_statements

    officer_id = users["officer"].id
    login(users["officer"])
    headers = api_token(client, users["officer"])

    def seed(count: int) -> None:
        for n in range(count):
            group = bare_group(officer_id, f"Kube {count}-{n}")
            add_reports(group, {M(2026, 1) + i: 3_000_000 - 50_000 * i for i in range(6)})
        db.session.commit()
        refresh(TODAY)

    def measure(url: str, **kwargs) -> int:
        db.session.expunge_all()
        with recorded_statements(db.engine, transaction_control=False) as statements:
            assert client.get(url, **kwargs).status_code == 200
        return len(statements)

    urls = [("/monitoring/flags", {}), ("/monitoring/dashboard", {}), ("/api/v1/flags", {"headers": headers})]
    seed(5)
    small = [measure(url, **kwargs) for url, kwargs in urls]
    seed(40)
    assert [measure(url, **kwargs) for url, kwargs in urls] == small


@pytest.mark.usefixtures("monitoring_day")
@pytest.mark.skipif(bool(os.environ.get("KUBE_TEST_DATABASE_URL")),
                    reason="SQLite's planner only: PostgreSQL walks the severity index by itself")
def test_on_sqlite_a_flags_page_walks_the_severity_index_instead_of_sorting_every_flag(app, client, db, login, users):
    login(users["officer"])
    for n in range(30):
        group = bare_group(users["admin"].id if n % 2 else None, f"Kube {n}")
        add_reports(group, {M(2026, 1) + i: 3_000_000 - 50_000 * i for i in range(6)})
    db.session.commit()
    refresh(TODAY)
    sent = []

    def record(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/monitoring/flags").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    # The page of the other officers' groups (the viewer's own come first, found from the groups).
    statement, parameters = next((statement, parameters) for statement, parameters in sent
                                 if "ORDER BY current_flags.severity DESC" in statement and " IS NOT " in statement)
    plan = " | ".join(row[3] for row in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                                 parameters))
    assert "SCAN current_flags USING INDEX ix_current_flags_severity" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan  # only its right part: the page stops early


# -- the refresh command and the staleness warning ----------------------------------------------

@pytest.mark.usefixtures("monitoring_day")
def test_refresh_command_stores_every_flag_and_says_how_many(app, runner, db, dataset):
    result = runner.invoke(args=["flags", "refresh"])
    assert result.exit_code == 0, result.output
    computed = operations.compute_flags(AS_OF, TODAY)
    assert re.fullmatch(rf"Flags as of 2026-06 refreshed: 6 active groups, {len(computed.flags)} flags, "
                        r"in \d+\.\d\d s\.\n", result.output)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CurrentFlag.id))) == len(computed.flags)
    assert stored.last_refresh() == utc_now()  # the frozen moment
    assert_stored_equals_computed(TODAY)
    # Again: the same rows, one refresh row.
    assert runner.invoke(args=["flags", "refresh"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(FlagRefresh.id))) == 1
    assert_stored_equals_computed(TODAY)


def test_flags_page_shows_the_last_refresh_and_warns_after_36_hours(app, client, db, login, users, frozen):
    login(users["viewer"])
    frozen(datetime(2026, 7, 20, 1, 0, tzinfo=timezone.utc))
    page = client.get("/monitoring/flags").get_data(as_text=True)
    assert "Terakhir diperbarui penuh: belum pernah" in page
    assert 'id="flags-refresh-stale"' in page and "lebih dari 36 jam" in page
    refresh(date(2026, 7, 20))
    page = client.get("/monitoring/flags").get_data(as_text=True)
    assert "Terakhir diperbarui penuh: 20 Jul 2026 08.00" in page  # office time, UTC+7
    assert 'id="flags-refresh-stale"' not in page
    frozen(datetime(2026, 7, 21, 13, 0, tzinfo=timezone.utc))  # exactly 36 hours later: not yet
    assert 'id="flags-refresh-stale"' not in client.get("/monitoring/flags").get_data(as_text=True)
    frozen(datetime(2026, 7, 21, 13, 1, tzinfo=timezone.utc))
    page = client.get("/monitoring/flags").get_data(as_text=True)
    assert 'id="flags-refresh-stale"' in page and 'role="status"' in page


def test_demo_ends_with_a_full_refresh(app, db):
    from kube.demo import load_demo

    today = date(2026, 11, 28)
    with committed():
        load_demo(today)
    assert stored.last_refresh() is not None
    assert stored.current_flags(today) is not None
    assert_stored_equals_computed(today)


# -- concurrency (PostgreSQL) -------------------------------------------------------------------

def _run(*targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.postgres
@pytest.mark.parametrize("same_group", [True, False])
def test_concurrent_report_submissions_never_leave_a_stale_stored_flag(app, db, users, frozen, same_group):
    """Both transactions change their data first and then commit together; each recomputes on commit."""
    frozen(TODAY)
    officer_id = users["officer"].id
    refresh(TODAY)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit(group_id: int, period: date, net: int, pause: float):
        def run():
            try:
                with app.app_context():
                    # Written straight into the table, without the report operations' own group lock: the
                    # stored flags' lock alone must keep the recomputation from reading a stale snapshot.
                    _db.session.add(IncomeReport(group_id=group_id, period=period, revenue=net + 500_000,
                                                 expenses=500_000, net=net, active_members=5))
                    _db.session.flush()
                    barrier.wait()
                    time.sleep(pause)
                    _db.session.commit()
                    _db.session.remove()
            except BaseException as error:  # noqa: BLE001  (reported by the assertion below)
                errors.append(error)
        return run

    for attempt in range(3):
        # Falling from January to April: a high May and a low June, each from its own transaction.
        first_group = bare_group(officer_id, f"Kube Serentak A{attempt}")
        second_group = first_group if same_group else bare_group(officer_id, f"Kube Serentak B{attempt}")
        for group in {first_group, second_group}:
            add_reports(group, {M(2026, 1) + i: 3_000_000 - 100_000 * i for i in range(4)})
        db.session.commit()
        _run(submit(first_group.id, from_month_index(M(2026, 5)), 9_000_000, 0),
             submit(second_group.id, from_month_index(M(2026, 6)), 100_000, 0.05 * attempt))
        assert errors == []
        assert_stored_equals_computed(TODAY)


@pytest.mark.postgres
def test_a_report_committed_during_a_full_refresh_is_not_lost(app, db, users, frozen, monkeypatch):
    """The full refresh reads before the report commits and writes after: the report's recompute waits for it."""
    frozen(TODAY)
    group = bare_group(users["officer"].id, "Kube Saat Penyegaran")
    add_reports(group, {M(2026, 4): 300_000, M(2026, 5): 300_000})  # Rp60.000 for each of 5 members
    db.session.commit()
    refresh(TODAY)
    assert [flag.kind for flag in stored.current_flags(TODAY).flags] == [BELOW_EXTREME_POVERTY]
    group_id = group.id
    flushed, loaded = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    load = operations.load_monitoring_data

    def slow_full_load(as_of, filters=operations.FlagFilters()):
        data = load(as_of, filters)
        if filters.group_ids is None:  # the full refresh, not the report's own recompute
            loaded.set()
            time.sleep(0.5)
        return data

    monkeypatch.setattr(operations, "load_monitoring_data", slow_full_load)

    def write():
        try:
            with app.app_context():
                # June's Rp9.000.000 lifts the mean of the last three reports above the line: the flag goes.
                _db.session.add(IncomeReport(group_id=group_id, period=from_month_index(AS_OF), revenue=9_500_000,
                                             expenses=500_000, net=9_000_000, active_members=5))
                _db.session.flush()
                flushed.set()
                loaded.wait(10)
                _db.session.commit()
                _db.session.remove()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    def full():
        try:
            with app.app_context():
                flushed.wait(10)
                with committed():
                    stored.refresh_all(TODAY)
                _db.session.remove()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    _run(write, full)
    assert errors == []
    monkeypatch.undo()
    assert stored.current_flags(TODAY).flags == []
    assert_dashboard_totals_equal_scratch(TODAY)  # the report's totals were added on top of the refresh's
    assert_stored_equals_computed(TODAY)


@pytest.mark.usefixtures("monitoring_day")
@pytest.mark.parametrize("kept", [False, True], ids=["live", "stored"])
def test_open_over_lists_only_cases_open_longer_and_the_page_says_since_when(app, client, db, login, users, dataset,
                                                                            kept):
    if kept:
        refresh(TODAY)
    everything = stored.list_flags(AS_OF, TODAY, per_page=100)
    longer = stored.list_flags(AS_OF, TODAY, per_page=100, open_over=3)
    run = {key: AS_OF - opened + 1 for key, opened in everything.result.opened.items()}
    assert {(f.group_id, f.kind) for f in longer.result.flags} == {key for key, months in run.items() if months > 3}
    assert 0 < longer.total < everything.total  # the dataset has both
    assert sum(longer.counts.values()) == longer.total
    login(users["officer"])
    page = client.get("/monitoring/flags?open_over=3").get_data(as_text=True)
    for flag in longer.result.flags:
        opened = longer.result.opened[(flag.group_id, flag.kind)]
        row = re.search(rf'data-group="{flag.group_id}" data-kind="{flag.kind}">.*?</tr>', page, re.S).group(0)
        assert f"{AS_OF - opened + 1} bulan" in row
    assert client.get("/monitoring/flags?open_over=abc").status_code == 422


@pytest.mark.usefixtures("monitoring_day")
def test_the_last_follow_up_shows_its_age_and_only_of_the_current_case(app, client, db, login, users, dataset):
    refresh(TODAY)
    flag = stored.list_flags(AS_OF, TODAY, per_page=100).result
    target = next(f for f in flag.flags if flag.opened[(f.group_id, f.kind)] < AS_OF)
    opened = flag.opened[(target.group_id, target.kind)]
    group = db.session.get(Group, target.group_id)
    with committed():
        # One for an earlier case of the same kind (before this one opened), one for this case five days ago.
        if opened - 1 >= month_index(group.formed_on):
            operations.record_follow_up(group, target.kind, format_month_index(opened - 1), "kunjungan",
                                        TODAY - timedelta(days=1), "lama", "resolved", users["officer"], today=TODAY)
        operations.record_follow_up(group, target.kind, format_month_index(opened), "pelatihan",
                                    TODAY - timedelta(days=5), "", "in_progress", users["officer"], today=TODAY)
    latest = operations.latest_follow_ups([(target.group_id, target.kind)], AS_OF, opened=flag.opened)
    assert latest[(target.group_id, target.kind)].action == "pelatihan"
    login(users["officer"])
    page = client.get(f"/monitoring/flags?kind={target.kind}").get_data(as_text=True)
    row = re.search(rf'data-group="{target.group_id}" data-kind="{target.kind}">.*?</tr>', page, re.S).group(0)
    assert "5 hari lalu" in row


@pytest.mark.usefixtures("monitoring_day")
def test_stored_pages_put_the_viewers_groups_first_across_page_boundaries_as_live(app, db, users, dataset):
    viewer = dataset["other_officer"]

    def pages(**kwargs) -> list:
        listed = []
        for number in range(1, 8):
            listing = stored.list_flags(AS_OF, TODAY, page=number, per_page=2, viewer=viewer, **kwargs)
            listed.append((listing.page, listing.total, listing.counts,
                           [(f.group_id, f.kind, listing.result.opened[(f.group_id, f.kind)]) for f in listing.result.flags]))
        return listed

    live, live_older = pages(), pages(open_over=3)
    refresh(TODAY)
    assert stored.is_current(TODAY)
    assert pages() == live
    assert pages(open_over=3) == live_older
    first = [item for _page, _total, _counts, flags in live for item in flags][:3]
    own = {group.id for group in db.session.scalars(sa.select(Group).where(Group.officer_id == viewer.id))}
    assert first and first[0][0] in own  # the viewer's group leads
