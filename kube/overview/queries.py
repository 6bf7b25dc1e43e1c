"""The head of office's overview, gathered once: budget absorption, groups by kecamatan and status, the last
complete month's reporting, the open flags by how long they have been open, and the median income per member
against the extreme poverty line.

`overview(today)` returns one `Overview` that the page, the PDF and the XLSX all render. Each figure is
read through the function its own list uses (`budget_figures` as the budgets page and the trial balance,
`kecamatan_rates` as the discipline page and the dashboard, the flags page's evaluation), never a copy of
its sums, so the overview cannot disagree with the list it links to.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from kube.core.periods import from_month_index
from kube.extensions import db
from kube.groups.models import GROUP_STATUSES, Group, Region
from kube.ledger.models import Budget
from kube.ledger.operations import budget_figures
from kube.monitoring import operations as monitoring
from kube.monitoring import trends
from kube.reports.queries import Rates, due_day, kecamatan_rates
from kube.reports.schedule import due_date, is_due

#: Months of the income figure, ending at the last complete month.
INCOME_MONTHS = 12
#: How far back the run of a flag is followed (a run this long reads "this long or longer").
FLAG_RUN_MONTHS = 12
#: How long flags have been open: (key, shortest run, longest run or None, words), shortest first.
FLAG_AGE_BUCKETS = (
    ("1", 1, 1, _l("1 bulan")),
    ("2-3", 2, 3, _l("2–3 bulan")),
    ("4-6", 4, 6, _l("4–6 bulan")),
    ("7+", 7, None, _l("lebih dari 6 bulan")),
)


# -- 1. budget absorption ---------------------------------------------------------------------

@dataclass(frozen=True)
class BudgetRow:
    """One budget (a program's pagu for a year) and what became of it, as the ledger holds it."""

    program: str
    year: int
    source: str
    pagu: int
    committed: int
    disbursed: int
    remaining: int

    @property
    def absorbed(self) -> float | None:
        """Share of the pagu handed over (disbursed / pagu); None for a pagu of zero."""
        return self.disbursed / self.pagu if self.pagu else None


def budget_rows() -> list[BudgetRow]:
    """Every budget, newest year first, then by program, with `budget_figures` (two queries)."""
    budgets = list(db.session.scalars(select(Budget).order_by(Budget.year.desc(), Budget.program)))
    figures = budget_figures(budgets)
    return [BudgetRow(budget.program, budget.year, budget.source, figures[budget.id].pagu,
                      figures[budget.id].committed, figures[budget.id].disbursed, figures[budget.id].remaining)
            for budget in budgets]


# -- 2. groups by kecamatan and status --------------------------------------------------------

@dataclass
class KecamatanGroups:
    """How many groups of each status one kecamatan has."""

    code: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All of the kecamatan's groups, whatever their status."""
        return sum(self.counts.values())


@dataclass
class GroupTable:
    """Groups per kecamatan (rows) and status (columns, in the state machine's order), with totals."""

    statuses: tuple[str, ...]
    rows: list[KecamatanGroups]

    @property
    def totals(self) -> dict[str, int]:
        """Groups of each status in the whole city."""
        return {status: sum(row.counts.get(status, 0) for row in self.rows) for status in self.statuses}

    @property
    def total(self) -> int:
        """Every group in the city."""
        return sum(row.total for row in self.rows)


def group_table(kecamatan_names: list[tuple[str, str]]) -> GroupTable:
    """Counts of groups by kecamatan and status in one GROUP BY; every kecamatan named, zeros included.

    The kecamatan is the parent of the group's kelurahan, as `kube.groups.queries.in_kecamatan` (the group
    list's `?kecamatan=` filter) reads it, so each count is the length of the list it links to.
    """
    rows = {code: KecamatanGroups(code, name, dict.fromkeys(GROUP_STATUSES, 0)) for code, name in kecamatan_names}
    for code, status, count in db.session.execute(
        select(Region.parent_code, Group.status, func.count(Group.id))
        .join(Region, Region.code == Group.kelurahan_code)
        .where(Region.level == "kelurahan")
        .group_by(Region.parent_code, Group.status)
    ):
        row = rows.setdefault(code, KecamatanGroups(code, code, dict.fromkeys(GROUP_STATUSES, 0)))
        row.counts[status] = int(count)
    return GroupTable(GROUP_STATUSES, list(rows.values()))


# -- 3. reporting in the last complete month --------------------------------------------------

@dataclass
class Reporting:
    """The last complete month's reports owed, received and on time, per kecamatan and in total."""

    month: date
    due_date: date
    #: Whether the month's due date has passed (before it, reports may still come in on time).
    due: bool
    rows: list[Rates]
    total: Rates


# -- 4. open flags by kind and age ------------------------------------------------------------

@dataclass
class FlagAge:
    """The open flags of one kind and how long they have been open, by bucket (FLAG_AGE_BUCKETS' order)."""

    kind: str
    buckets: dict[str, int]

    @property
    def count(self) -> int:
        """Every open flag of this kind."""
        return sum(self.buckets.values())


def age_bucket(run: int) -> str:
    """The FLAG_AGE_BUCKETS key a run of `run` months falls in."""
    for key, low, high, _words in FLAG_AGE_BUCKETS:
        if run >= low and (high is None or run <= high):
            return key
    raise ValueError(f"a run is at least one month, not {run}")


def flag_ages(runs: dict[tuple[int, str], int]) -> list[FlagAge]:
    """Open flags per kind (every kind, in FLAG_KINDS' order) and per age bucket, from their run lengths."""
    ages = {kind: FlagAge(kind, {key: 0 for key, *_rest in FLAG_AGE_BUCKETS}) for kind in trends.FLAG_KINDS}
    for (_group_id, kind), run in runs.items():
        ages[kind].buckets[age_bucket(run)] += 1
    return list(ages.values())


# -- 5. income per member against the extreme poverty line -----------------------------------

@dataclass(frozen=True)
class IncomeMonth:
    """One month's median net income per member over the active groups' reports."""

    month: int
    #: Reports of the month with at least one active member (the others have no income per member).
    reports: int
    median_per_member: int | None
    poverty_line: int

    @property
    def below_line(self) -> bool | None:
        """Whether the median is under the extreme poverty line (None without reports)."""
        return None if self.median_per_member is None else self.median_per_member < self.poverty_line


def _whole_rupiah(amount: Fraction) -> int:
    """Rounded to the nearest Rupiah, halves up (the median of two reports may end in a half)."""
    return math.floor(amount + Fraction(1, 2))


def income_months(series: list[trends.GroupSeries], as_of: int, months: int, poverty_line: int) -> list[IncomeMonth]:
    """For each of the `months` months ending at as_of: the median of net / active members over the reports.

    Reports without active members are left out, as the below-extreme-poverty flag leaves them out.
    """
    first = as_of - months + 1
    shares: dict[int, list[Fraction]] = {month: [] for month in range(first, as_of + 1)}
    for group_series in series:
        for report in group_series.reports_between(first, as_of):
            if report.active_members > 0:
                shares[report.month].append(Fraction(report.net, report.active_members))
    return [IncomeMonth(month, len(values), _whole_rupiah(statistics.median(values)) if values else None,
                        poverty_line)
            for month, values in shares.items()]


# -- the whole overview -----------------------------------------------------------------------

@dataclass
class Overview:
    """Every figure of the head of office's overview, as of `today` (flags and income at the as-of month)."""

    today: date
    #: The last complete month (a month index), the flags page's and the dashboard's default as-of month.
    as_of: int
    budgets: list[BudgetRow]
    groups: GroupTable
    reporting: Reporting
    flags: list[FlagAge]
    income: list[IncomeMonth]
    poverty_line: int

    @property
    def as_of_month(self) -> date:
        """The as-of month as a date (its first day)."""
        return from_month_index(self.as_of)

    @property
    def open_flags(self) -> int:
        """Every open flag, of every kind."""
        return sum(age.count for age in self.flags)

    @property
    def flag_bucket_totals(self) -> dict[str, int]:
        """Open flags of every kind per age bucket (FLAG_AGE_BUCKETS' keys)."""
        return {key: sum(age.buckets[key] for age in self.flags) for key, *_rest in FLAG_AGE_BUCKETS}


def overview(today: date) -> Overview:
    """Gather the overview on `today`, in a fixed number of queries whatever the number of groups.

    Nine: two for the budgets, three for the reporting rates and the kecamatan's names, one for the groups
    table and three for the monitoring data that the flags, their run lengths and the income medians share.
    """
    settings = monitoring.flag_settings()
    as_of = monitoring.default_as_of(today)
    month = from_month_index(as_of)
    rates, city = kecamatan_rates([month])
    reporting = Reporting(month, due_date(month, due_day()), is_due(month, due_day(), today), rates, city)
    groups = group_table([(rate.code, rate.name) for rate in rates])
    data = monitoring.load_monitoring_data(as_of)
    runs = monitoring.flag_run_lengths(as_of, FLAG_RUN_MONTHS, today=today, settings=settings, data=data)
    income = income_months(data.series, as_of, INCOME_MONTHS, settings.extreme_poverty_line)
    return Overview(today, as_of, budget_rows(), groups, reporting, flag_ages(runs), income,
                    settings.extreme_poverty_line)
