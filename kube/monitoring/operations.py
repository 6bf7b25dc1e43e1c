"""Flags, trends, follow-ups and dashboard figures read from the database; the statistics live in trends.py."""
from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, joinedload

from kube.audit.operations import record_audit
from kube.auth.models import User
from kube.core.bulk import no_cyclic_gc
from kube.core.clock import office_today
from kube.core.database import MAX_ID, listed, month_index_of
from kube.core.dates import check_recorded_date
from kube.core.errors import ValidationFailed
from kube.core.periods import (
    format_month_index, format_period, from_month_index, last_complete_month, month_index, parse_period,
)
from kube.core.text import CONTROL_MESSAGE, has_control_characters
from kube.extensions import db
from kube.groups.models import Group, Member, Region
from kube.groups.queries import in_kecamatan
from kube.ledger.models import Grant
from kube.monitoring import tallies, trends
from kube.monitoring.models import ACTIONS, STATES, FollowUp
from kube.reports.models import IncomeReport
from kube.reports.queries import Rates, kecamatan_rates
from kube.reports.schedule import due_date

_KECAMATAN_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}")
#: Earliest as-of month accepted: Kube reports do not go further back than this.
EARLIEST_AS_OF = date(2000, 1, 1)
#: Group statuses that can never have carried a flag, so follow-ups on them make no sense.
NEVER_FLAGGED_STATUSES = ("proposed", "rejected")
NOTE_MAX_LENGTH = 1000


# -- settings and months ----------------------------------------------------------------------

def flag_settings(config: Mapping[str, Any] | None = None) -> trends.FlagSettings:
    """The flag thresholds from the app configuration (raises ValueError when they make no sense)."""
    config = current_app.config if config is None else config
    return trends.FlagSettings(
        window_months=int(config["MONITORING_WINDOW_MONTHS"]),
        min_reports=int(config["MONITORING_MIN_REPORTS"]),
        after_grant_months=int(config["MONITORING_AFTER_GRANT_MONTHS"]),
        baseline_months=int(config["MONITORING_BASELINE_MONTHS"]),
        baseline_min_reports=int(config["MONITORING_BASELINE_MIN_REPORTS"]),
        after_max_months=int(config["MONITORING_AFTER_MAX_MONTHS"]),
        after_min_reports=int(config["MONITORING_AFTER_MIN_REPORTS"]),
        extreme_poverty_line=int(config["EXTREME_POVERTY_LINE"]),
        poverty_recent_reports=int(config["MONITORING_POVERTY_RECENT_REPORTS"]),
        due_day=int(config["REPORT_DUE_DAY"]),
    )


def default_as_of(today: date) -> int:
    """The month index of the last month that has fully ended: the as-of month unless one is asked for."""
    return month_index(last_complete_month(today))


def _invalid(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field_name: [message]})


def parse_as_of(text: str | None, today: date, field_name: str = "as_of") -> int:
    """The as-of month index from `YYYY-MM` (empty: the last complete month); refuses unfinished months."""
    latest = default_as_of(today)
    if text is None or not str(text).strip():
        return latest
    try:
        period = parse_period(str(text))
    except ValueError:
        raise _invalid(field_name, _("Bulan harus berformat YYYY-MM, misalnya 2025-06.")) from None
    if period < EARLIEST_AS_OF:
        raise _invalid(field_name, _("Bulan terlalu lama: paling awal Januari 2000."))
    if month_index(period) > latest:
        raise _invalid(field_name, _("Bulan %(m)s belum selesai; pilih bulan sampai %(l)s.",
                                     m=format_period(period), l=format_month_index(latest)))
    return month_index(period)


def _next_month_start(as_of: int) -> date:
    """First day after the as-of month: everything strictly before it "stood" at that month."""
    return from_month_index(as_of + 1)


# -- filters and the rows a flags list shows --------------------------------------------------

@dataclass(frozen=True)
class FlagFilters:
    """What the flags list is narrowed to; `group_id` confines a leader to their own group."""

    kecamatan: str | None = None
    kind: str | None = None
    officer_id: int | None = None
    group_id: int | None = None
    #: Only these groups (the stored flags' refresh of the groups a transaction touched).
    group_ids: tuple[int, ...] | None = None


def check_filters(kecamatan: str | None, kind: str | None, officer_id: int | None = None,
                  group_id: int | None = None) -> FlagFilters:
    """Validate filter values (a known kecamatan code, a flag kind) and return them as FlagFilters."""
    kecamatan = (kecamatan or "").strip() or None
    kind = (kind or "").strip() or None
    problems: dict[str, list[str]] = {}
    if kind is not None and kind not in trends.FLAG_KINDS:
        problems["kind"] = [_("Jenis peringatan tidak dikenal.")]
    # The format is checked first, so odd text (a NUL byte, a huge string) never reaches the database.
    if kecamatan is not None and (not _KECAMATAN_CODE.fullmatch(kecamatan) or db.session.scalar(
        select(Region.code).where(Region.code == kecamatan, Region.level == "kecamatan")
    ) is None):
        problems["kecamatan"] = [_("Kode kecamatan tidak dikenal.")]
    if officer_id is not None and not 1 <= officer_id <= MAX_ID:
        problems["officer"] = [_("Pendamping tidak dikenal.")]
    if problems:
        raise ValidationFailed(_("Saringan tidak valid."), fields=problems)
    return FlagFilters(kecamatan=kecamatan, kind=kind, officer_id=officer_id, group_id=group_id)


class GroupInfo(NamedTuple):
    """What a flags row or a dashboard table needs to know about a group.

    A named tuple: the flags refresh makes one for every active group, and a frozen dataclass
    takes several times as long to build.
    """

    id: int
    code: str
    name: str
    kelurahan_code: str
    kelurahan_name: str
    kecamatan_code: str
    kecamatan_name: str
    officer_id: int | None
    officer_name: str | None
    formed_on: date


@dataclass
class MonitoringData:
    """Active groups and their report series as they stood at the as-of month."""

    as_of: int
    groups: dict[int, GroupInfo]
    series: list[trends.GroupSeries]


_KECAMATAN = aliased(Region, name="kecamatan")
_NO_REPORTS: tuple[list[int], list[int], list[int]] = ([], [], [])


def scoped_to_month(statement: Select, as_of: int, filters: FlagFilters = FlagFilters()) -> Select:
    """Limit a statement that selects from `groups` to the active groups that existed at the as-of month."""
    statement = statement.where(Group.status == "active", Group.formed_on < _next_month_start(as_of))
    if filters.kecamatan:
        statement = statement.where(in_kecamatan(Group.kelurahan_code, filters.kecamatan))
    if filters.officer_id is not None:
        statement = statement.where(Group.officer_id == filters.officer_id)
    if filters.group_id is not None:
        statement = statement.where(Group.id == filters.group_id)
    if filters.group_ids is not None:
        statement = statement.where(Group.id.in_(filters.group_ids))
    return statement


def report_rows_statement(as_of: int, filters: FlagFilters = FlagFilters()) -> Select:
    """The reports that count at the as-of month, one row a group: (group_id, months, nets, active members).

    The last three are lists in the same order, which is no set order: each series sorts its own few
    dozen months, which costs less than having the database sort millions of reports.
    """
    statement = (select(IncomeReport.group_id, listed(month_index_of(IncomeReport.period)), listed(IncomeReport.net),
                        listed(IncomeReport.active_members))
                 .join(Group, Group.id == IncomeReport.group_id)
                 .where(IncomeReport.period < _next_month_start(as_of))
                 .group_by(IncomeReport.group_id))
    return scoped_to_month(statement, as_of, filters)


def group_rows_statement(as_of: int, filters: FlagFilters = FlagFilters()) -> Select:
    """The active groups at the as-of month with their kelurahan, kecamatan and officer names, by id."""
    statement = (
        select(Group.id, Group.code, Group.name, Group.kelurahan_code, Group.officer_id, Group.formed_on,
               Region.name, Region.parent_code, _KECAMATAN.name, User.full_name)
        .join(Region, Region.code == Group.kelurahan_code)
        .outerjoin(_KECAMATAN, _KECAMATAN.code == Region.parent_code)
        .outerjoin(User, User.id == Group.officer_id)
    )
    return scoped_to_month(statement, as_of, filters).order_by(Group.id)


def group_info(row: Sequence[Any]) -> GroupInfo:
    """A GroupInfo from a row that starts with the columns of `group_rows_statement`."""
    (group_id, code, name, kelurahan_code, officer_id, formed_on, kelurahan_name, kecamatan_code, kecamatan_name,
     officer_name) = row[:10]
    return GroupInfo(group_id, code, name, kelurahan_code, kelurahan_name, kecamatan_code,
                     kecamatan_name or kecamatan_code, officer_id, officer_name, formed_on)


def _handed_over_by(as_of: int) -> tuple:
    """Grants of the counted programs (KUBE by default) handed over by the end of the as-of month."""
    return (Grant.status == "handed_over", Grant.program.in_(current_app.config["MONITORING_GRANT_PROGRAMS"]),
            Grant.handover_date < _next_month_start(as_of))


def handover_rows_statement(as_of: int, filters: FlagFilters = FlagFilters()) -> Select:
    """Handovers up to the as-of month of the counted grant programs: (group_id, grant id, handover date)."""
    statement = (select(Grant.group_id, Grant.id, Grant.handover_date)
                 .join(Group, Group.id == Grant.group_id)
                 .where(*_handed_over_by(as_of)))
    return scoped_to_month(statement, as_of, filters)


def load_monitoring_data(as_of: int, filters: FlagFilters = FlagFilters()) -> MonitoringData:
    """Active groups with their reports up to the as-of month and their handovers, in three queries.

    The three statements are public so the benchmark can time them bare, next to this.
    """
    with no_cyclic_gc():  # millions of small objects, not one reference cycle among them
        return _load_monitoring_data(as_of, filters)


def _load_monitoring_data(as_of: int, filters: FlagFilters) -> MonitoringData:
    groups: dict[int, GroupInfo] = {}
    for row in db.session.execute(group_rows_statement(as_of, filters)):
        info = group_info(row)
        groups[info.id] = info

    reports = {row[0]: row[1:] for row in db.session.execute(report_rows_statement(as_of, filters))}

    handovers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for group_id, grant_id, handover_date in db.session.execute(handover_rows_statement(as_of, filters)):
        handovers[group_id].append((month_index(handover_date), grant_id))

    series = [
        trends.GroupSeries.from_columns(group_id, month_index(info.formed_on), *reports.get(group_id, _NO_REPORTS),
                                        handovers.get(group_id, ()))
        for group_id, info in groups.items()
    ]
    return MonitoringData(as_of, groups, series)


@dataclass
class FlagList:
    """The flags at one as-of month, most serious first, with the groups they concern."""

    as_of: int
    flags: list[trends.Flag]
    groups: dict[int, GroupInfo]
    #: (group id, kind) -> the month index its current run began (see `opened_months`); filled on request.
    opened: dict[tuple[int, str], int] = field(default_factory=dict)

    @property
    def as_of_text(self) -> str:
        """The as-of month as `YYYY-MM`."""
        return format_month_index(self.as_of)

    def counts_by_kind(self) -> dict[str, int]:
        """How many flags of each kind, in the fixed kind order (zeros included)."""
        counts = Counter(flag.kind for flag in self.flags)
        return {kind: counts.get(kind, 0) for kind in trends.FLAG_KINDS}


def compute_flags(as_of: int, today: date, filters: FlagFilters = FlagFilters(),
                  settings: trends.FlagSettings | None = None, *, with_opened: bool = False) -> FlagList:
    """Flags of every active group (narrowed by the filters) at the as-of month, in a fixed number of queries.

    `with_opened` also fills `opened` (see `opened_months`), from the same rows: no more queries.
    """
    settings = settings or flag_settings()
    data = load_monitoring_data(as_of, filters)
    result = _flag_list(data, today, settings, filters.kind)
    if with_opened:
        result.opened = opened_months(data.series, result.flags, as_of, today, settings)
    return result


def opened_months(series: Iterable[trends.GroupSeries], flags: Iterable[trends.Flag], as_of: int, today: date,
                  settings: trends.FlagSettings) -> dict[tuple[int, str], int]:
    """For each flag at the as-of month, (group id, kind) -> the first month of its current unbroken run.

    Earlier months are evaluated again exactly as `compute_flags(month, today)` would see the group
    (formed by then, its reports and handovers up to then: trends never read past the month), going
    back while the flag still holds, never before the group's formation month nor EARLIEST_AS_OF (no
    as-of month exists before it). The one definition of `opened`, for stored and live flags alike.
    """
    opened = {(flag.group_id, flag.kind): as_of for flag in flags}
    running = set(opened)
    series_of = {group_series.group_id: group_series for group_series in series}
    month, floor = as_of - 1, month_index(EARLIEST_AS_OF)
    while running and month >= floor:
        candidates = [series_of[group_id] for group_id in sorted({group_id for group_id, _kind in running})
                      if series_of[group_id].formed_month <= month]
        running &= {(flag.group_id, flag.kind) for flag in trends.evaluate_groups(candidates, month, today, settings)}
        for key in running:
            opened[key] = month
        month -= 1
    return opened


def _flag_list(data: MonitoringData, today: date, settings: trends.FlagSettings, kind: str | None) -> FlagList:
    flags = trends.evaluate_groups(data.series, data.as_of, today, settings)
    if kind:
        flags = [flag for flag in flags if flag.kind == kind]
    return FlagList(data.as_of, flags, data.groups)


def latest_follow_ups(pairs: Iterable[tuple[int, str]], as_of: int,
                      opened: Mapping[tuple[int, str], int] | None = None) -> dict[tuple[int, str], FollowUp]:
    """The newest follow-up recorded up to the as-of month for each (group id, flag kind), in one query.

    With `opened` (the month each flag's case opened) only follow-ups of that case count: recorded for
    a flag month from `opened` on, not for an earlier case of the same kind.
    """
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.group_id.in_({group_id for group_id, _kind in wanted}),
               FollowUp.flag_period <= from_month_index(as_of))
        .order_by(FollowUp.action_date.desc(), FollowUp.id.desc())
    )
    latest: dict[tuple[int, str], FollowUp] = {}
    for follow_up in rows:
        key = (follow_up.group_id, follow_up.flag_kind)
        if key not in wanted or key in latest:
            continue
        if opened is not None and key in opened and month_index(follow_up.flag_period) < opened[key]:
            continue
        latest[key] = follow_up
    return latest


#: A flag counts as followed up while its group has a follow-up of that kind dated within this many days.
FOLLOW_UP_FRESH_DAYS = 30


def without_recent_follow_up(result: FlagList, today: date) -> FlagList:
    """The flags whose group has no follow-up of their kind dated in the last FOLLOW_UP_FRESH_DAYS days (one query).

    The one meaning of the inbox's "flags without follow-up" and of the flags page's `?no_follow_up=1`.
    """
    followed = set(db.session.execute(
        select(FollowUp.group_id, FollowUp.flag_kind).distinct()
        .where(FollowUp.action_date >= today - timedelta(days=FOLLOW_UP_FRESH_DAYS))
    ).all())
    return replace(result, flags=[flag for flag in result.flags if (flag.group_id, flag.kind) not in followed])


def mine_first(result: FlagList, viewer) -> FlagList:
    """The same flags with those of the groups `viewer` accompanies first, each part still most serious first."""
    viewer_id = getattr(viewer, "id", None)
    return replace(result, flags=sorted(result.flags,
                                        key=lambda flag: result.groups[flag.group_id].officer_id != viewer_id))


# -- one group's trend ------------------------------------------------------------------------

def load_group_series(group: Group, as_of: int) -> trends.GroupSeries:
    """One group's reports and handovers up to the as-of month (whatever its status), in two queries."""
    end = _next_month_start(as_of)
    rows = db.session.execute(
        select(IncomeReport.period, IncomeReport.net, IncomeReport.active_members)
        .where(IncomeReport.group_id == group.id, IncomeReport.period < end)
    )
    reports = tuple(trends.Report(month_index(period), net, members) for period, net, members in rows)
    handovers = tuple(
        (month_index(handover_date), grant_id)
        for grant_id, handover_date in db.session.execute(
            select(Grant.id, Grant.handover_date).where(Grant.group_id == group.id, *_handed_over_by(as_of))
        )
    )
    return trends.GroupSeries(group.id, month_index(group.formed_on), reports, handovers)


@dataclass
class GroupTrend:
    """A group's trend at the as-of month, with the series it came from and the flags it carries."""

    group: Group
    as_of: int
    series: trends.GroupSeries
    trend: trends.Trend
    flags: list[trends.Flag]


def group_trend(group: Group, as_of: int, today: date, settings: trends.FlagSettings | None = None) -> GroupTrend:
    """The trend over the window ending at the as-of month and, for an active group, its flags."""
    settings = settings or flag_settings()
    series = load_group_series(group, as_of)
    trend = trends.compute_trend(series, as_of, settings)
    # Flags are only raised on active groups, like the flags list (a group formed later had none yet).
    flags = (trends.evaluate_group(series, as_of, today, settings)
             if group.status == "active" and series.formed_month <= as_of else [])
    return GroupTrend(group, as_of, series, trend, flags)


# -- follow-ups -------------------------------------------------------------------------------

def takes_follow_ups(group: Group) -> bool:
    """Whether a group can have follow-ups: a proposed or rejected group never carried a flag."""
    return group.status not in NEVER_FLAGGED_STATUSES


def record_follow_up(group: Group, flag_kind: str, flag_period: date | str, action: str, action_date: date,
                     note: str, state: str, actor: User, today: date | None = None) -> FollowUp:
    """Record what an officer did about a group's flag and the flag's state after it; audited, never edited."""
    today = today or office_today()
    if not takes_follow_ups(group):
        raise ValidationFailed(_("Kelompok yang belum pernah aktif tidak memiliki peringatan untuk ditindaklanjuti."))
    if flag_kind not in trends.FLAG_KINDS:
        raise _invalid("flag_kind", _("Jenis peringatan tidak dikenal."))
    if action not in ACTIONS:
        raise _invalid("action", _("Tindakan harus kunjungan, pelatihan, pendampingan atau catatan."))
    if state not in STATES:
        raise _invalid("state", _("Status tindak lanjut tidak dikenal."))
    period_text = flag_period if isinstance(flag_period, str) else format_period(flag_period)
    # The same rule as the as-of month of the flags list: a finished month, YYYY-MM.
    period = from_month_index(parse_as_of(period_text, today, field_name="flag_period"))
    if not isinstance(action_date, date):
        raise _invalid("action_date", _("Tanggal tindakan wajib diisi."))
    check_recorded_date("action_date", action_date, _("Tanggal tindakan"), today)
    if action_date < group.formed_on:
        raise _invalid("action_date", _("Tanggal tindakan tidak boleh sebelum kelompok terbentuk."))
    note = (note or "").strip()
    if has_control_characters(note, multiline=True):
        raise _invalid("note", str(CONTROL_MESSAGE))
    if len(note) > NOTE_MAX_LENGTH:
        raise _invalid("note", _("Catatan paling banyak %(n)d karakter.", n=NOTE_MAX_LENGTH))
    if action == "catatan" and not note:
        raise _invalid("note", _("Catatan wajib diisi untuk tindakan berupa catatan."))
    follow_up = FollowUp(group_id=group.id, flag_kind=flag_kind, flag_period=period, action=action,
                         action_date=action_date, note=note, state=state, officer_id=actor.id)
    db.session.add(follow_up)
    db.session.flush()
    record_audit("follow_up.create", "group", group.id,
                 f"{flag_kind} {format_period(period)}: {action} {action_date.isoformat()} -> {state}", actor=actor)
    return follow_up


def follow_up_history_statement(group_id: int) -> Select:
    """A group's follow-ups, newest action first, with the officer loaded."""
    return (select(FollowUp).options(joinedload(FollowUp.officer))
            .where(FollowUp.group_id == group_id)
            .order_by(FollowUp.action_date.desc(), FollowUp.id.desc()))


# -- dashboard --------------------------------------------------------------------------------

@dataclass
class KecamatanFigures:
    """One row of the dashboard's per-kecamatan table."""

    code: str
    name: str
    members: int = 0
    flagged_groups: int = 0
    grants: int = 0
    grants_total: int = 0
    #: Active groups, and the as-of month's reports they owe, sent and sent on time (the reports' own rates).
    reporting: Rates | None = None

    def __post_init__(self) -> None:
        if self.reporting is None:
            self.reporting = Rates(self.code, self.name)

    @property
    def active_groups(self) -> int:
        """Groups active now (those formed after the as-of month owe nothing yet)."""
        return self.reporting.groups

    def add(self, other: KecamatanFigures) -> None:
        """Add another row's figures to this one (for the city's total)."""
        self.members += other.members
        self.flagged_groups += other.flagged_groups
        self.grants += other.grants
        self.grants_total += other.grants_total
        self.reporting.add(other.reporting)


@dataclass
class MonthFigure:
    """Reports received for one month and their median net income."""

    month: int
    reports: int
    median_net: int | None


@dataclass
class Dashboard:
    """Everything the dashboard shows, for the last complete month and this year."""

    as_of: int
    year: int
    due_date: date
    totals: KecamatanFigures
    kecamatan: list[KecamatanFigures]
    flags_by_kind: dict[str, int]
    months: list[MonthFigure] = field(default_factory=list)


@dataclass(frozen=True)
class StoredDashboard:
    """The dashboard's figures as kept in the database (kube.monitoring.stored and kube.monitoring.tallies)."""

    as_of: int
    flags_by_kind: dict[str, int]
    #: Per kecamatan code.
    kecamatan: Mapping[str, tallies.KecamatanTally]
    #: Month index -> (reports counted, their median net), for the months that have any.
    months: Mapping[int, tuple[int, int]]


def dashboard_figures(today: date, settings: trends.FlagSettings | None = None, chart_months: int = 12,
                      stored: StoredDashboard | None = None) -> Dashboard:
    """Groups, members, this year's grants, reporting rates and flags, in total and per kecamatan.

    From `stored` (the running totals, see kube.monitoring.tallies) it reads the kecamatan names and
    nothing else; without it, it counts everything live: the reporting rates per kecamatan (the reports
    package's own, as on the discipline page), members, grants and every group's flags, which grows
    with the city.
    """
    settings = settings or flag_settings()
    as_of = default_as_of(today)
    if stored is not None and stored.as_of == as_of:
        return _stored_dashboard(today, settings, chart_months, stored)
    named, _city = kecamatan_rates([from_month_index(as_of)])
    kecamatan = {rates.code: KecamatanFigures(rates.code, rates.name, reporting=rates) for rates in named}

    def row(code: str) -> KecamatanFigures:
        # A kelurahan whose kecamatan is not stored still gets a row, under its code.
        return kecamatan.setdefault(code, KecamatanFigures(code, code))

    for code, count in db.session.execute(
        select(Region.parent_code, func.count(Member.id))
        .join(Group, Group.id == Member.group_id)
        .join(Region, Region.code == Group.kelurahan_code)
        .where(Group.status == "active", Member.left_on.is_(None))
        .group_by(Region.parent_code)
    ):
        row(code).members = count

    for code, count, total in db.session.execute(
        select(Region.parent_code, func.count(Grant.id), func.coalesce(func.sum(Grant.total), 0))
        .join(Group, Group.id == Grant.group_id)
        .join(Region, Region.code == Group.kelurahan_code)
        .where(Grant.status == "handed_over", Grant.handover_date >= date(today.year, 1, 1),
               Grant.handover_date <= date(today.year, 12, 31))
        .group_by(Region.parent_code)
    ):
        figures = row(code)
        figures.grants, figures.grants_total = count, int(total)

    data = load_monitoring_data(as_of)
    flag_list = _flag_list(data, today, settings, None)
    flagged: dict[str, set[int]] = defaultdict(set)
    for flag in flag_list.flags:
        flagged[data.groups[flag.group_id].kecamatan_code].add(flag.group_id)
    for code, group_ids in flagged.items():
        row(code).flagged_groups = len(group_ids)
    return _dashboard(as_of, today, settings, list(kecamatan.values()), flag_list.counts_by_kind(),
                      monthly_figures(data.series, as_of, chart_months))


def _stored_dashboard(today: date, settings: trends.FlagSettings, chart_months: int,
                      stored: StoredDashboard) -> Dashboard:
    """The dashboard from the running totals: every kecamatan (zeros included, in code order), then codes not stored."""
    rows = []
    found = dict(stored.kecamatan)
    for code, name in db.session.execute(
        select(Region.code, Region.name).where(Region.level == "kecamatan").order_by(Region.code)
    ):
        rows.append(_kecamatan_figures(code, name, found.pop(code, tallies.KecamatanTally())))
    rows += [_kecamatan_figures(code, code, tally) for code, tally in found.items()]
    first = stored.as_of - chart_months + 1
    months = [MonthFigure(month, *stored.months[month]) if month in stored.months else MonthFigure(month, 0, None)
              for month in range(first, stored.as_of + 1)]
    return _dashboard(stored.as_of, today, settings, rows, stored.flags_by_kind, months)


def _kecamatan_figures(code: str, name: str, tally: tallies.KecamatanTally) -> KecamatanFigures:
    reporting = Rates(code, name, groups=tally.groups, expected=tally.expected, received=tally.received,
                      on_time=tally.on_time)
    return KecamatanFigures(code, name, members=tally.members, flagged_groups=tally.flagged, grants=tally.grants,
                            grants_total=tally.grants_total, reporting=reporting)


def _dashboard(as_of: int, today: date, settings: trends.FlagSettings, rows: list[KecamatanFigures],
               by_kind: dict[str, int], months: list[MonthFigure]) -> Dashboard:
    totals = KecamatanFigures("", _("Kota Serang"))
    for figures in rows:
        totals.add(figures)
    return Dashboard(as_of, today.year, due_date(from_month_index(as_of), settings.due_day), totals, rows,
                     by_kind, months)


def monthly_figures(series: Iterable[trends.GroupSeries], as_of: int, months: int) -> list[MonthFigure]:
    """Reports received and their median net income for each of the `months` months ending at as_of.

    A report counts from the group's formation month on, as the reporting rates count it.
    """
    first = as_of - months + 1
    nets: dict[int, list[int]] = defaultdict(list)
    for group_series in series:
        for report in group_series.reports_between(max(first, group_series.formed_month), as_of):
            nets[report.month].append(report.net)
    return _month_figures(nets, first, as_of)


def _month_figures(nets: Mapping[int, list[int]], first: int, as_of: int) -> list[MonthFigure]:
    return [
        MonthFigure(month, len(nets.get(month, ())), int(statistics.median(nets[month])) if nets.get(month) else None)
        for month in range(first, as_of + 1)
    ]


# -- how long flags have been open ------------------------------------------------------------

def flag_run_lengths(as_of: int, max_months: int = 12, *, today: date | None = None,
                     settings: trends.FlagSettings | None = None,
                     data: MonitoringData | None = None) -> dict[tuple[int, str], int]:
    """For every flag at the as-of month, (group id, kind) -> the run length: in how many consecutive months up
    to and including the as-of month the group carried that flag (from `opened_months`), capped at
    `max_months` (a run of `max_months` means that long or longer). No query when given the month's `data`.
    """
    if max_months < 1:
        raise ValueError("max_months must be at least 1: the as-of month itself")
    today = today or office_today()
    settings = settings or flag_settings()
    if data is None:
        data = load_monitoring_data(as_of)
    elif data.as_of != as_of:
        raise ValueError("data must be the monitoring data of the as-of month")
    flags = _flag_list(data, today, settings, None).flags
    opened = opened_months(data.series, flags, as_of, today, settings)
    return {key: min(as_of - month + 1, max_months) for key, month in opened.items()}
