"""Reading income reports: one group's months, the discipline grid, the reporting rates per kecamatan, and the
reports awaiting verification.

`reporting_rates` is the one definition of "owed, received and on time" that both the
discipline page and the dashboard count with, so the two never disagree about a month.
Every function loads what it returns in a fixed number of queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from kube.core.clock import office_today
from kube.core.pagination import paginate
from kube.core.periods import add_months, first_of_month, last_complete_month, months_ending
from kube.extensions import db
from kube.groups.models import Group, Region
from kube.groups.queries import in_kecamatan, mine_first
from kube.reports.labels import MONTH_STATUS_BADGES, MONTH_STATUS_LABELS, MONTH_STATUS_SYMBOLS
from kube.reports.models import IncomeReport
from kube.reports.schedule import MISSING, NOT_FORMED, ON_TIME, deadline_utc, is_due, month_status, month_to_report

#: Months in the reporting-discipline grid and the group page's status strip.
DISCIPLINE_MONTHS = 12
#: How many of the group's reports before the month give its usual net income.
OUTLIER_HISTORY = 12


def due_day() -> int:
    """The configured day of the next month by which a month's report is due."""
    return current_app.config["REPORT_DUE_DAY"]


def get_report(group: Group, period: date) -> IncomeReport | None:
    """The group's report for the month, freshly read, or None."""
    return db.session.scalar(
        select(IncomeReport).where(IncomeReport.group_id == group.id, IncomeReport.period == period)
        .execution_options(populate_existing=True)
    )


def earlier_figures(group: Group, period: date) -> list[tuple[int, int]]:
    """(revenue, expenses) of the group's latest OUTLIER_HISTORY reports before `period`, newest first."""
    return [tuple(row) for row in db.session.execute(
        select(IncomeReport.revenue, IncomeReport.expenses)
        .where(IncomeReport.group_id == group.id, IncomeReport.period < period)
        .order_by(IncomeReport.period.desc())
        .limit(OUTLIER_HISTORY)
    )]


def report_history(group: Group):
    """A group's reports, newest month first, with who submitted and verified them (for `paginate`)."""
    return (select(IncomeReport).where(IncomeReport.group_id == group.id)
            .options(joinedload(IncomeReport.submitted_by), joinedload(IncomeReport.verified_by))
            .order_by(IncomeReport.period.desc()))


# -- months of one group ----------------------------------------------------------------------

@dataclass
class MonthCell:
    """One month of one group: its status and the report, if any."""

    period: date
    status: str
    report: IncomeReport | None = None

    @property
    def label(self) -> str:
        """The status in words."""
        return str(MONTH_STATUS_LABELS[self.status])

    @property
    def badge(self) -> str:
        """The CSS badge class of the status."""
        return MONTH_STATUS_BADGES[self.status]

    @property
    def symbol(self) -> str:
        """The one-character mark of the status."""
        return MONTH_STATUS_SYMBOLS[self.status]


def month_cells(group: Group, months: list[date], reports: dict[date, IncomeReport], today: date
                ) -> list[MonthCell]:
    """Status cells for `months`, given the group's reports keyed by period."""
    day = due_day()
    cells = []
    for period in months:
        report = reports.get(period)
        status = month_status(period, report.submitted_at if report else None, group.formed_on, today, day)
        cells.append(MonthCell(period, status, report))
    return cells


def _reports_by_period(group_ids: list[int], first: date, last: date) -> dict[int, dict[date, IncomeReport]]:
    """The reports of these groups from `first` to `last`, by group and month, in one query."""
    found: dict[int, dict[date, IncomeReport]] = {group_id: {} for group_id in group_ids}
    if group_ids:
        query = select(IncomeReport).where(IncomeReport.group_id.in_(group_ids), IncomeReport.period >= first,
                                           IncomeReport.period <= last)
        for report in db.session.scalars(query):
            found[report.group_id][report.period] = report
    return found


def group_months(group: Group, count: int) -> list[MonthCell]:
    """The group's last `count` complete months, newest first, with their reports (one query)."""
    today = office_today()
    months = months_ending(last_complete_month(today), count)
    reports = _reports_by_period([group.id], months[0], months[-1])[group.id]
    return list(reversed(month_cells(group, months, reports, today)))


def reported_periods(group: Group) -> set[date]:
    """The months the group has a report for."""
    return set(db.session.scalars(select(IncomeReport.period).where(IncomeReport.group_id == group.id)))


@dataclass
class LeaderHome:
    """What a leader's home shows: the month to report next and the last months with their status."""

    group: Group
    #: The month to report next (`schedule.month_to_report`) and whether it can be reported today.
    next_month: date
    can_report_next: bool
    #: The last LEADER_MONTHS complete months since the group formed, newest first.
    months: list[MonthCell]

    @property
    def missing(self) -> list[MonthCell]:
        """Months among them whose due date passed without a report, oldest first."""
        return [cell for cell in reversed(self.months) if cell.status == MISSING]


#: Months on the leader's home.
LEADER_MONTHS = 6


def leader_home(group: Group, today: date) -> LeaderHome:
    """The leader's home for `group` on `today` (two queries)."""
    months = [cell for cell in group_months(group, LEADER_MONTHS) if cell.status != NOT_FORMED]
    upcoming = month_to_report(today, reported_periods(group), group.formed_on)
    return LeaderHome(group, upcoming, upcoming < first_of_month(today), months)


# -- reporting rates --------------------------------------------------------------------------

@dataclass
class Rates:
    """Reporting of a set of groups over some months: reports owed, received, and received on time."""

    code: str
    name: str
    groups: int = 0
    #: Group-months owed (months before a group was formed excluded).
    expected: int = 0
    received: int = 0
    on_time: int = 0

    @property
    def completeness(self) -> float | None:
        """Share of owed reports that came in (None when none were owed)."""
        return self.received / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        """Share of owed reports that came in by their due date (None when none were owed)."""
        return self.on_time / self.expected if self.expected else None

    def add(self, other: Rates) -> None:
        """Add another set's counts to this one."""
        self.groups += other.groups
        self.expected += other.expected
        self.received += other.received
        self.on_time += other.on_time


def _formed_by_end_of(month: date):
    """The group existed in `month` (a group formed during the month owes its report)."""
    return Group.formed_on < add_months(month, 1)


def _count_when(months: list[date], condition_for) -> object:
    """1 for a report of one of `months` that meets `condition_for(month)`, else 0 (a CASE to sum)."""
    return case(*[(and_(IncomeReport.period == month, condition_for(month)), 1) for month in months], else_=0)


def reporting_rates(months: list[date]) -> dict[str, Rates]:
    """Per kecamatan code: active groups, and the reports they owe, sent and sent on time for `months` (two queries).

    A group owes a month's report when it is active now and was formed by the end of that
    month; a report is on time when first submitted by the end of its due day at the office.
    """
    by_code: dict[str, Rates] = {}
    if not months:
        return by_code
    day = due_day()
    expected_columns = [func.coalesce(func.sum(case((_formed_by_end_of(month), 1), else_=0)), 0)
                        for month in months]
    for code, groups, *expected in db.session.execute(
        select(Region.parent_code, func.count(Group.id), *expected_columns)
        .select_from(Group).join(Region, Group.kelurahan_code == Region.code)
        .where(Group.status == "active").group_by(Region.parent_code)
    ):
        by_code[code] = Rates(code, code, groups=groups, expected=sum(expected))
    received = _count_when(months, _formed_by_end_of)
    on_time = _count_when(months, lambda month: and_(
        _formed_by_end_of(month), IncomeReport.submitted_at < deadline_utc(month, day)))
    for code, count_received, count_on_time in db.session.execute(
        select(Region.parent_code, func.coalesce(func.sum(received), 0), func.coalesce(func.sum(on_time), 0))
        .select_from(IncomeReport).join(Group, IncomeReport.group_id == Group.id)
        .join(Region, Group.kelurahan_code == Region.code)
        .where(Group.status == "active", IncomeReport.period.in_(months))
        .group_by(Region.parent_code)
    ):
        rates = by_code.setdefault(code, Rates(code, code))
        rates.received, rates.on_time = int(count_received), int(count_on_time)
    return by_code


# -- the discipline page ----------------------------------------------------------------------

@dataclass
class DisciplineRow:
    """One group's line in the discipline grid."""

    group: Group
    kecamatan: str
    cells: list[MonthCell]
    due_months: frozenset[date] = frozenset()

    @property
    def counts(self) -> Rates:
        """This group's own rates over the window's due months (as the kecamatan rates count them)."""
        rates = Rates(self.group.code, self.group.name, groups=1)
        for cell in self.cells:
            if cell.period in self.due_months and cell.status != NOT_FORMED:
                rates.expected += 1
                rates.received += cell.report is not None
                rates.on_time += cell.status == ON_TIME
        return rates


@dataclass
class Discipline:
    """The reporting-discipline page: months, a page of groups with their cells, rates per kecamatan."""

    months: list[date]
    due_months: list[date]
    page: object
    rows: list[DisciplineRow]
    rates: list[Rates] = field(default_factory=list)
    total: Rates | None = None


def kecamatan_rates(months: list[date]) -> tuple[list[Rates], Rates]:
    """`reporting_rates` for every kecamatan in code order (named, zeros included) and the city's total."""
    found = reporting_rates(months)
    rows = []
    for code, name in db.session.execute(
        select(Region.code, Region.name).where(Region.level == "kecamatan").order_by(Region.code)
    ):
        rates = found.pop(code, Rates(code, name))
        rates.name = name
        rows.append(rates)
    rows.extend(found.values())  # groups in a kelurahan whose kecamatan is not stored keep its code
    total = Rates("", _("Kota Serang"))
    for rates in rows:
        total.add(rates)
    return rows, total


def latest_overdue_month(today: date) -> date:
    """The latest month whose due day has passed: last month after its due day, else the month before it."""
    last = last_complete_month(today)
    return last if is_due(last, due_day(), today) else add_months(last, -1)


def missing_report(period: date):
    """A WHERE clause over groups: active, formed by the end of `period`, and no report for `period` at all.

    The one meaning of the inbox's "missing reports" and of the discipline page's `?missing=` list.
    """
    return and_(Group.status == "active", _formed_by_end_of(period),
                ~select(IncomeReport.id).where(IncomeReport.group_id == Group.id,
                                               IncomeReport.period == period).exists())


def missing_report_count(period: date) -> int:
    """How many groups `missing_report(period)` holds (one query)."""
    return db.session.scalar(select(func.count(Group.id)).where(missing_report(period))) or 0


def discipline(page: int, per_page: int, kecamatan_code: str = "", missing: date | None = None,
               viewer=None) -> Discipline:
    """Active groups by the last 12 complete months, with rates per kecamatan, in a fixed number of queries.

    With `missing`, only the groups whose report for that month is missing; `viewer`'s own groups come first.
    """
    today = office_today()
    months = months_ending(last_complete_month(today), DISCIPLINE_MONTHS)
    due_months = [month for month in months if is_due(month, due_day(), today)]
    rates, total = kecamatan_rates(due_months)
    names = {r.code: r.name for r in rates}

    query = (select(Group).join(Group.kelurahan).options(contains_eager(Group.kelurahan))
             .where(Group.status == "active").order_by(mine_first(Group.officer_id, viewer), Group.code))
    if kecamatan_code:
        query = query.where(in_kecamatan(Group.kelurahan_code, kecamatan_code))
    if missing is not None:
        query = query.where(missing_report(missing))
    pagination = paginate(query, per_page, page=page)
    groups = list(pagination.items)
    reports = _reports_by_period([g.id for g in groups], months[0], months[-1])
    due = frozenset(due_months)
    rows = [DisciplineRow(group, names.get(group.kelurahan.parent_code, group.kelurahan.parent_code),
                          month_cells(group, months, reports.get(group.id, {}), today), due)
            for group in groups]
    return Discipline(months, due_months, pagination, rows, rates, total)


# -- reports awaiting verification ------------------------------------------------------------

def awaiting_verification():
    """A WHERE clause: the report was submitted and no officer has verified it yet.

    The one definition of "waits for verification", for the verification list and any count of it.
    """
    return IncomeReport.verified_at.is_(None)


@dataclass(frozen=True)
class VerificationFilters:
    """The verification list's filters, from its URL: a kecamatan code, the groups' pendamping, a month."""

    kecamatan: str = ""
    officer_id: int | None = None
    period: date | None = None
    #: Who reads the list: the groups they accompany come first.
    viewer: object = None


def count_reports_to_verify() -> int:
    """How many reports wait for verification: the count of the unfiltered `reports_to_verify` list (one query)."""
    # No joins: every report has a group and every group a kelurahan (foreign keys), so the list's joins drop none.
    return db.session.scalar(select(func.count(IncomeReport.id)).where(awaiting_verification())) or 0


def reports_to_verify(filters: VerificationFilters):
    """Reports awaiting verification: the viewer's groups first, then newest month, then group code (for `paginate`).

    Each comes with its group, the group's kelurahan and who submitted it, loaded in the same query.
    """
    query = (select(IncomeReport).join(IncomeReport.group).join(Group.kelurahan)
             .options(contains_eager(IncomeReport.group).contains_eager(Group.kelurahan),
                      joinedload(IncomeReport.submitted_by))
             .where(awaiting_verification())
             .order_by(mine_first(Group.officer_id, filters.viewer), IncomeReport.period.desc(), Group.code,
                       IncomeReport.id))
    if filters.kecamatan:
        query = query.where(in_kecamatan(Group.kelurahan_code, filters.kecamatan))
    if filters.officer_id is not None:
        query = query.where(Group.officer_id == filters.officer_id)
    if filters.period is not None:
        query = query.where(IncomeReport.period == filters.period)
    return query


# -- the entry grid ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GridFilters:
    """The entry grid's filters, from its URL: a kecamatan code and the groups' pendamping."""

    kecamatan: str = ""
    officer_id: int | None = None


def entry_grid_groups(filters: GridFilters):
    """Active groups by code, with their kelurahan, for one page of the entry grid (a select for `paginate`)."""
    query = (select(Group).join(Group.kelurahan).options(contains_eager(Group.kelurahan))
             .where(Group.status == "active").order_by(Group.code, Group.id))
    if filters.kecamatan:
        query = query.where(in_kecamatan(Group.kelurahan_code, filters.kecamatan))
    if filters.officer_id is not None:
        query = query.where(Group.officer_id == filters.officer_id)
    return query


def month_reports(group_ids: list[int], period: date) -> dict[int, IncomeReport]:
    """The reports of these groups for `period`, by group id, freshly read in one query."""
    if not group_ids:
        return {}
    query = (select(IncomeReport).where(IncomeReport.group_id.in_(group_ids), IncomeReport.period == period)
             .execution_options(populate_existing=True))
    return {report.group_id: report for report in db.session.scalars(query)}


def groups_with_ids(group_ids: list[int]) -> list[Group]:
    """These groups (those that exist), by code, with their kelurahan, in one query."""
    if not group_ids:
        return []
    return list(db.session.scalars(select(Group).join(Group.kelurahan).options(contains_eager(Group.kelurahan))
                                   .where(Group.id.in_(group_ids)).order_by(Group.code, Group.id)))
