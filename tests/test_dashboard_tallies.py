"""The dashboard's running totals: what a group adds, exact medians from the tree of nets, and concurrent writers.

That the totals always equal every group's contribution summed from scratch, through every kind of
change, is the property test of tests/test_stored_flags.py.
"""
from __future__ import annotations

import statistics
import threading
from datetime import date, datetime, timezone
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube.core.periods import from_month_index
from kube.core.transaction import committed
from kube.extensions import db as _db
from kube.monitoring import operations, stored, tallies
from kube.monitoring.models import NetTally
from kube.monitoring.tallies import BASE, GRANT_TOTAL, GRANTS, LEVELS, OFFSET, GroupFacts
from kube.reports.models import IncomeReport
from tests.monitoring_data import AS_OF, CURUG_KELURAHAN, TODAY, M, add_reports, bare_group
from tests.test_stored_flags import _run, assert_dashboard_totals_equal_scratch

CURUG = "36.73.04"


def test_a_net_has_one_bucket_a_level_each_inside_its_parent():
    for net in (-10 ** 9, -1, 0, 1, 99, 100, 123_456_789, 10 ** 9):
        path = tallies.tree_path(net)
        assert len(path) == LEVELS and path[0] == net + OFFSET
        assert all(path[level + 1] == path[level] // BASE for level in range(LEVELS - 1))
        assert path[-1] < BASE  # the top level fits the fan-out
    assert tallies.tree_path(-10 ** 16)[0] == 0 and tallies.tree_path(10 ** 16)[0] == 2 * OFFSET - 1


def test_walking_down_finds_the_bucket_of_a_rank():
    assert tallies.median_rank(5) == (2,) and tallies.median_rank(4) == (1, 2) and tallies.median_rank(1) == (0,)
    counts = {9: 4, 3: 2, 7: 1}
    assert [tallies.walk_down(counts, rank) for rank in range(7)] == [
        (3, 0), (3, 1), (7, 0), (9, 0), (9, 1), (9, 2), (9, 3)]
    with pytest.raises(ValueError):
        tallies.walk_down(counts, 7)


def test_a_group_adds_its_reports_from_its_formation_on_and_only_its_grants_when_not_active():
    facts = GroupFacts(CURUG, True, formed=M(2026, 3), members=4,
                       reports=((M(2026, 2), 100, 10), (M(2026, 3), 200, 11)), grants=((7, 2026, 5_000_000),))
    figures, tree = tallies.contribution(facts)
    assert {key: value for key, value in figures.items() if value} == {
        (CURUG, tallies.GROUPS, 0, 0): 1, (CURUG, tallies.MEMBERS, 0, 0): 4, (CURUG, tallies.FORMED, M(2026, 3), 0): 1,
        (CURUG, tallies.REPORTS, M(2026, 3), 11): 1, (CURUG, GRANTS, 2026, 0): 1,
        (CURUG, GRANT_TOTAL, 2026, 0): 5_000_000}
    assert set(tree) == {(M(2026, 3), level, bucket) for level, bucket in enumerate(tallies.tree_path(200))}
    figures, tree = tallies.contribution(GroupFacts(CURUG, False, M(2026, 3), 4, facts.reports, facts.grants))
    assert dict(figures) == {(CURUG, GRANTS, 2026, 0): 1, (CURUG, GRANT_TOTAL, 2026, 0): 5_000_000} and not tree


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(months=st.lists(st.lists(st.one_of(st.integers(-10 ** 9, 10 ** 9), st.sampled_from([0, 1_500_000, -1])),
                                min_size=1, max_size=25), min_size=1, max_size=3))
def test_medians_from_the_tree_equal_statistics_median(app, db, months):
    _db.session.execute(sa.delete(NetTally))
    change = tallies.Change()
    for offset, nets in enumerate(months):
        for net in nets:
            change.add(GroupFacts(CURUG, True, 0, 1, ((AS_OF - offset, net, 0),)), 1)
    change.apply()
    expected = {AS_OF - offset: (len(nets), int(statistics.median(nets))) for offset, nets in enumerate(months)}
    assert tallies.medians(AS_OF - 11, AS_OF) == expected
    _db.session.rollback()


@pytest.mark.usefixtures("monitoring_day")
def test_the_stored_dashboard_counts_nothing_live_and_equals_the_live_count(app, db, dataset, monkeypatch):
    live = operations.dashboard_figures(TODAY)
    with committed():
        stored.refresh_all(TODAY)

    def counted_live(*_args, **_kwargs):
        raise AssertionError("the dashboard counted live")

    monkeypatch.setattr(operations, "load_monitoring_data", counted_live)
    monkeypatch.setattr(operations, "kecamatan_rates", counted_live)
    assert operations.dashboard_figures(TODAY, stored=stored.dashboard(TODAY)) == live
    assert live.totals.flagged_groups and live.totals.reporting.received and live.months[-1].median_net


@pytest.mark.usefixtures("monitoring_day")
def test_the_rebuild_in_sql_keeps_the_facts_python_reads_up_to_the_office_midnight(app, db, users):
    """A report sent a second before the office's midnight (17:00 UTC) is on that day, one sent at it on the next."""
    group = bare_group(users["officer"].id, "Kube Tengah Malam", formed_on=date(2026, 1, 5))
    add_reports(group, {M(2026, 5): 1_000_000}, submitted=datetime(2026, 6, 10, 16, 59, 59, tzinfo=timezone.utc))
    add_reports(group, {M(2026, 6): -250_000}, submitted=datetime(2026, 7, 10, 17, 0, tzinfo=timezone.utc))
    db.session.commit()
    with committed():
        stored.refresh_all(TODAY)  # the first full refresh: rebuilt in SQL
    kept = tallies.kept_facts([group.id])[group.id]
    assert kept == tallies.current_facts([group.id])[group.id]
    assert kept.reports == ((M(2026, 5), 1_000_000, date(2026, 6, 10).toordinal()),
                            (M(2026, 6), -250_000, date(2026, 7, 11).toordinal()))
    assert kept.formed == M(2026, 1) and kept.kecamatan == CURUG and kept.active


@pytest.mark.postgres
def test_concurrent_reports_of_one_month_from_many_groups_keep_the_totals_exact(app, db, users, frozen):
    """Six transactions add to the same month's rows of the totals at once: no update is lost, none deadlocks."""
    frozen(TODAY)
    officer_id = users["officer"].id
    with committed():
        stored.refresh_all(TODAY)
    group_ids = []
    for n in range(6):
        group = bare_group(officer_id, f"Kube Serentak Total {n}", kelurahan_code=CURUG_KELURAHAN)
        add_reports(group, {M(2026, 1) + i: 2_000_000 + 10_000 * n for i in range(4)})
        group_ids.append(group.id)
    db.session.commit()
    barrier = threading.Barrier(len(group_ids))
    errors: list[BaseException] = []

    def submit(group_id: int, net: int):
        def run():
            try:
                with app.app_context():
                    _db.session.add(IncomeReport(group_id=group_id, period=from_month_index(AS_OF), revenue=net,
                                                 expenses=0, net=net, active_members=5))
                    _db.session.flush()
                    barrier.wait()
                    _db.session.commit()
                    _db.session.remove()
            except BaseException as error:  # noqa: BLE001  (reported by the assertion below)
                errors.append(error)
        return run

    _run(*(submit(group_id, 1_000_000 + 1_000 * n) for n, group_id in enumerate(group_ids)))
    assert errors == []
    assert tallies.medians(AS_OF, AS_OF)[AS_OF] == (6, 1_002_500)
    assert_dashboard_totals_equal_scratch(TODAY)
