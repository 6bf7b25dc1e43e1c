"""The monitoring tests' world: the day they stand on, report and group helpers, and six groups with one pattern each.

Loaded as a pytest plugin by tests/conftest.py, so the flags, API and dashboard tests share one dataset.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest

from kube.core.periods import from_month_index
from kube.groups.models import Group
from kube.monitoring.trends import GroupSeries, Report
from kube.reports.models import IncomeReport
from tests.factories import make_budget, make_grant, make_group, make_user, month_index

#: The day the tests stand on: June 2026 is the last complete month, and its report was due on 10 July.
TODAY = date(2026, 7, 20)
AS_OF = month_index(2026, 6)
CURUG_KELURAHAN = "36.73.04.1002"  # Tinggar, kecamatan Curug (36.73.04)
SERANG_KELURAHAN = "36.73.01.1001"  # Serang, kecamatan Serang (36.73.01)


def M(year: int, month: int) -> int:
    return month_index(year, month)


@pytest.fixture
def monitoring_day(frozen):
    """Every operation and page sees TODAY as today (use with `pytestmark = usefixtures("monitoring_day")`)."""
    frozen(TODAY)
    return TODAY


def add_reports(group, nets: dict[int, int], members: int = 5, submitted: datetime | None = None) -> None:
    """Reports straight into the table (the report operations are tested elsewhere)."""
    from kube.extensions import db

    for month, net in nets.items():
        expenses = max(0, -net) + 500_000
        period = from_month_index(month)
        moment = submitted or datetime.combine(from_month_index(month + 1).replace(day=5), datetime.min.time(),
                                               tzinfo=timezone.utc)
        db.session.add(IncomeReport(group_id=group.id, period=period, revenue=net + expenses, expenses=expenses,
                                    net=net, active_members=members, submitted_at=moment, updated_at=moment))
    db.session.flush()


def series_of(group, nets: dict[int, int], members: int = 5, handovers=()) -> GroupSeries:
    """The series the test expects the database to give back."""
    return GroupSeries(group.id, month_index(group.formed_on.year, group.formed_on.month),
                       tuple(Report(m, n, members) for m, n in nets.items()), tuple(handovers))


_codes = itertools.count(1)


def bare_group(officer_id: int | None, name: str, status: str = "active", kelurahan_code: str = CURUG_KELURAHAN,
               formed_on: date = date(2024, 1, 10)) -> Group:
    """A group row written directly, without members: flags read reports, not the member list.

    The factories' NIK serials are shared by the whole test run and run out at 9,999, so
    only groups that need real members (a ketua to receive a grant, member counts) get them.
    """
    from kube.extensions import db

    group = Group(code=f"KUBE-MON-{next(_codes):05d}", name=name, business_type="sewa_tenda",
                  kelurahan_code=kelurahan_code, formed_on=formed_on, status=status, officer_id=officer_id)
    db.session.add(group)
    db.session.flush()
    return group


# -- the prepared dataset -----------------------------------------------------------------------

FALLING = {M(2026, 1) + i: 3_000_000 - 100_000 * i for i in range(6)}
GRANT_FLAT = {M(2025, 6): 3_000_000, M(2025, 7): 3_050_000, M(2025, 8): 2_950_000, M(2025, 9): 3_000_000,
              **{M(2025, 10) + i: 2_800_000 + 10_000 * i for i in range(9)}}
SILENT = {M(2026, 1) + i: 3_000_000 + 100_000 * i for i in range(4)}  # nothing for May and June
POOR = {M(2026, 1) + i: 2_000_000 + 50_000 * i for i in range(6)}  # 10 members: about Rp220.000 each
RISING = {M(2026, 1) + i: 3_000_000 + 100_000 * i for i in range(6)}
SEASONAL = {**{M(2025, 1) + i: 2_000_000 for i in range(6)},
            **{M(2026, 1) + i: 3_500_000 - 100_000 * i for i in range(6)}}  # down, but above last year


@pytest.fixture
def dataset(db, users):
    """Six active groups, one per pattern; the poor group lives in kecamatan Serang and has another officer."""
    officer, admin = users["officer"], users["admin"]
    other_officer = make_user("officer")
    make_budget(admin, year=2025)
    groups = {
        "falling": bare_group(officer.id, "Kube Turun"),
        # The grant needs a real, activated group with a ketua to receive it.
        "grant_flat": make_group(officer, members=5, status="active", name="Kube Bantuan Datar"),
        "silent": bare_group(officer.id, "Kube Diam"),
        "poor": bare_group(other_officer.id, "Kube Miskin", kelurahan_code=SERANG_KELURAHAN),
        "rising": bare_group(officer.id, "Kube Naik"),
        "seasonal": bare_group(officer.id, "Kube Musiman"),
    }
    grant = make_grant(officer, admin, status="handed_over", group=groups["grant_flat"],
                       handover_date=date(2025, 9, 15))
    nets = {"falling": FALLING, "grant_flat": GRANT_FLAT, "silent": SILENT, "poor": POOR, "rising": RISING,
            "seasonal": SEASONAL}
    for name, group in groups.items():
        add_reports(group, nets[name], members=10 if name == "poor" else 5)
    db.session.commit()
    expected = {
        name: series_of(group, nets[name], members=10 if name == "poor" else 5,
                        handovers=((M(2025, 9), grant.id),) if name == "grant_flat" else ())
        for name, group in groups.items()
    }
    return {"groups": groups, "series": expected, "grant": grant, "other_officer": other_officer}
