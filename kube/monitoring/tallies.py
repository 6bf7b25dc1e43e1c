"""The dashboard's figures kept as running totals, so the dashboard reads a few dozen rows whatever the city's size.

What each group adds to the dashboard is a pure function of a few of its facts (`GroupFacts`:
kecamatan, active or not, formation month, current members, reports, handed-over grants) and is a
bag of keyed counts (`contribution`). The facts each group last added are kept (`tally_groups`,
`tally_reports`, `tally_grants`) beside the sums (`dashboard_tallies`, `net_tallies`), so when a
group changes its old contribution is taken away and its new one added: kube.monitoring.stored does
it for the groups it recomputes, in the same transaction, and `rebuild` makes everything from scratch
at the first full refresh. The sums are kept only while the flags' refresh row exists (it is made
by the first full refresh, which builds them).

The measures of `dashboard_tallies` (kecamatan, measure, month, day -> value):

- `groups`, `members`: active groups and their current members (month and day 0);
- `formed`: active groups by formation month (day 0): those that owe a month's report;
- `reports`: reports of active groups for months from their formation on, by month and office day
  of first submission: received, and on time up to the due day;
- `grants`, `grant_total`: handed-over grants and their sum by handover year (month = year);
- `flagged`: groups carrying a stored flag (kept by kube.monitoring.stored);
- `cases`: the city's flag cases (kecamatan '') by opened month and months open (-1 while open).

`net_tallies` counts the same reports' nets in a 100-ary tree, from which `medians` walks down to
the exact median of each month in five queries, however many reports there are.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Mapping

from sqlalchemy import BigInteger, Date, Integer, and_, case, delete, func, insert, literal, or_, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kube.core.clock import OFFICE_TIMEZONE, office_date
from kube.core.database import month_index_of
from kube.core.periods import month_index
from kube.extensions import db
from kube.groups.models import Group, Member, Region
from kube.ledger.models import Grant
from kube.monitoring.models import DashboardTally, FlagCase, NetTally, TallyGrant, TallyGroup, TallyReport
from kube.reports.models import IncomeReport

GROUPS, MEMBERS, FORMED, REPORTS = "groups", "members", "formed", "reports"
GRANTS, GRANT_TOTAL, FLAGGED, CASES = "grants", "grant_total", "flagged", "cases"
#: Months open of a case still open, in the `cases` measure.
STILL_OPEN = -1

#: The tree's fan-out and depth: nets from -OFFSET to OFFSET - 1 (a quadrillion Rupiah, far beyond
#: REPORT_MAX_AMOUNT) shifted to 0 .. 2 * OFFSET - 1 and cut in BASE buckets a level.
BASE = 100
LEVELS = 8
OFFSET = 10 ** 15
_TOP = LEVELS - 1
#: Levels from here up are read whole for the chart's months: a bucket there spans 10^8 Rupiah, so
#: reports within a few billion Rupiah of zero fill a few dozen rows a month.
READ_WHOLE = 4
#: Groups read per statement, as kube.monitoring.stored.
CHUNK = 500

Key = tuple[str, str, int, int]
Leaf = tuple[int, int, int]


# -- what a group adds --------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupFacts:
    """The facts of one group that the dashboard counts."""

    kecamatan: str
    active: bool
    formed: int
    members: int
    #: (month index, net, office day ordinal of first submission) of each of its reports.
    reports: tuple[tuple[int, int, int], ...] = ()
    #: (grant id, handover year, total) of each of its handed-over grants.
    grants: tuple[tuple[int, int, int], ...] = ()


def shifted(net: int) -> int:
    """A net as the tree holds it: 0 .. 2 * OFFSET - 1 (a net beyond a quadrillion Rupiah counts at the edge)."""
    return min(max(net + OFFSET, 0), 2 * OFFSET - 1)


def tree_path(net: int) -> list[int]:
    """The net's bucket at each level, from level 0 (the value itself) up."""
    value = shifted(net)
    return [value // BASE ** level for level in range(LEVELS)]


def contribution(facts: GroupFacts) -> tuple[Counter[Key], Counter[Leaf]]:
    """What one group adds to `dashboard_tallies` and to `net_tallies` (keys with a count of zero may appear)."""
    figures: Counter[Key] = Counter()
    tree: Counter[Leaf] = Counter()
    code = facts.kecamatan
    if facts.active:
        figures[(code, GROUPS, 0, 0)] += 1
        figures[(code, MEMBERS, 0, 0)] += facts.members
        figures[(code, FORMED, facts.formed, 0)] += 1
        for period, net, sent_on in facts.reports:
            if period >= facts.formed:  # a report for a month before the group existed is owed by no one
                figures[(code, REPORTS, period, sent_on)] += 1
                for level, bucket in enumerate(tree_path(net)):
                    tree[(period, level, bucket)] += 1
    for _grant_id, year, total in facts.grants:
        figures[(code, GRANTS, year, 0)] += 1
        figures[(code, GRANT_TOTAL, year, 0)] += total
    return figures, tree


@dataclass
class Change:
    """Deltas to add to the sums, written together by `apply` in key order (the order every writer locks in)."""

    figures: Counter[Key] = field(default_factory=Counter)
    tree: Counter[Leaf] = field(default_factory=Counter)

    def add(self, facts: GroupFacts | None, sign: int) -> None:
        """Add (sign 1) or take away (sign -1) a group's contribution."""
        if facts is None:
            return
        figures, tree = contribution(facts)
        for key, value in figures.items():
            self.figures[key] += sign * value
        for key, value in tree.items():
            self.tree[key] += sign * value

    def apply(self) -> None:
        """Write the non-zero deltas: one upsert statement for each table."""
        _upsert(DashboardTally, ("kecamatan_code", "measure", "month", "day"), "value", self.figures)
        _upsert(NetTally, ("month", "level", "bucket"), "count", self.tree)
        self.figures.clear()
        self.tree.clear()


def _upsert(model, keys: tuple[str, ...], column: str, deltas: Mapping[tuple, int]) -> None:
    rows = [{**dict(zip(keys, key)), column: delta} for key, delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    table = model.__table__
    make = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = make(table)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + statement.excluded[column]}), rows)


# -- reading a group's facts --------------------------------------------------------------------

def _facts_from(groups: Iterable, members: Mapping[int, int], reports: Mapping[int, list],
                grants: Mapping[int, list]) -> dict[int, GroupFacts]:
    return {group_id: GroupFacts(kecamatan or "", active, formed, members.get(group_id, 0),
                                 tuple(sorted(reports.get(group_id, ()))), tuple(sorted(grants.get(group_id, ()))))
            for group_id, kecamatan, active, formed in groups}


def current_facts(group_ids: list[int] | None = None) -> dict[int, GroupFacts]:
    """The facts of these groups (all when None) as the database holds them now: four queries."""
    def only(statement, column):
        return statement if group_ids is None else statement.where(column.in_(group_ids))

    groups = [(group_id, kecamatan, status == "active", month_index(formed_on)) for group_id, kecamatan, status, formed_on
              in db.session.execute(only(select(Group.id, Region.parent_code, Group.status, Group.formed_on)
                                         .outerjoin(Region, Region.code == Group.kelurahan_code), Group.id))]
    members = dict(db.session.execute(only(select(Member.group_id, func.count()).where(Member.left_on.is_(None))
                                           .group_by(Member.group_id), Member.group_id)).all())
    reports: dict[int, list] = defaultdict(list)
    for group_id, period, net, submitted_at in db.session.execute(only(
            select(IncomeReport.group_id, IncomeReport.period, IncomeReport.net, IncomeReport.submitted_at),
            IncomeReport.group_id)):
        reports[group_id].append((month_index(period), net, office_date(submitted_at).toordinal()))
    grants: dict[int, list] = defaultdict(list)
    for grant_id, group_id, handed_over, total in db.session.execute(only(
            select(Grant.id, Grant.group_id, Grant.handover_date, Grant.total)
            .where(Grant.status == "handed_over", Grant.handover_date.is_not(None)), Grant.group_id)):
        grants[group_id].append((grant_id, handed_over.year, total))
    return _facts_from(groups, members, reports, grants)


def kept_facts(group_ids: list[int]) -> dict[int, GroupFacts]:
    """The facts these groups last added to the sums (a group never added has none)."""
    rows = db.session.execute(select(TallyGroup.group_id, TallyGroup.kecamatan_code, TallyGroup.active,
                                     TallyGroup.formed, TallyGroup.members)
                              .where(TallyGroup.group_id.in_(group_ids))).all()
    groups = [row[:4] for row in rows]
    members = {row[0]: row[4] for row in rows}
    reports: dict[int, list] = defaultdict(list)
    for group_id, period, net, sent_on in db.session.execute(
            select(TallyReport.group_id, TallyReport.period, TallyReport.net, TallyReport.sent_on)
            .where(TallyReport.group_id.in_(group_ids))):
        reports[group_id].append((period, net, sent_on))
    grants: dict[int, list] = defaultdict(list)
    for grant_id, group_id, year, total in db.session.execute(
            select(TallyGrant.grant_id, TallyGrant.group_id, TallyGrant.year, TallyGrant.total)
            .where(TallyGrant.group_id.in_(group_ids))):
        grants[group_id].append((grant_id, year, total))
    return _facts_from(groups, members, reports, grants)


def _keep(facts: Mapping[int, GroupFacts]) -> None:
    """Store these groups' facts as the ones they added (bulk inserts; the caller removed the old ones)."""
    def insert_all(model, rows: list[dict]) -> None:
        if rows:
            db.session.execute(insert(model), rows)

    insert_all(TallyGroup, [{"group_id": group_id, "kecamatan_code": f.kecamatan, "active": f.active,
                             "formed": f.formed, "members": f.members} for group_id, f in facts.items()])
    insert_all(TallyReport, [{"group_id": group_id, "period": period, "net": net, "sent_on": sent_on}
                             for group_id, f in facts.items() for period, net, sent_on in f.reports])
    insert_all(TallyGrant, [{"grant_id": grant_id, "group_id": group_id, "year": year, "total": total}
                            for group_id, f in facts.items() for grant_id, year, total in f.grants])


def _forget(group_ids: list[int]) -> None:
    for model in (TallyReport, TallyGrant, TallyGroup):
        db.session.execute(delete(model).where(model.group_id.in_(group_ids))
                           .execution_options(synchronize_session=False))


def recount_groups(group_ids: list[int], change: Change) -> dict[int, str | None]:
    """Take these groups' old contributions away and add their new ones into `change`; keep their new facts.

    Returns each group's kecamatan before (None when it was never counted), for the flagged groups'
    counts. The caller holds the groups' locks and applies `change`.
    """
    old_kecamatan: dict[int, str | None] = {}
    for start in range(0, len(group_ids), CHUNK):
        chunk = group_ids[start:start + CHUNK]
        old, new = kept_facts(chunk), current_facts(chunk)
        changed = []
        for group_id in chunk:
            before, after = old.get(group_id), new.get(group_id)
            old_kecamatan[group_id] = None if before is None else before.kecamatan
            if before != after:
                change.add(before, -1)
                change.add(after, 1)
                changed.append(group_id)
        if changed:
            _forget(changed)
            _keep({group_id: new[group_id] for group_id in changed if group_id in new})
    return old_kecamatan


def rebuild(flagged: Mapping[str, int]) -> None:
    """Make every sum and every kept fact from scratch (the first full refresh); `flagged`: groups per kecamatan.

    All in the database, a statement a table (and one a tree level), so a national database of millions
    of reports is never loaded into Python; the sums are those `contribution` defines (the property test
    of tests/test_stored_flags.py compares them after a rebuild and after every change).
    """
    for model in (TallyReport, TallyGrant, TallyGroup, DashboardTally, NetTally):
        db.session.execute(delete(model).execution_options(synchronize_session=False))
    members = (select(Member.group_id, func.count().label("count")).where(Member.left_on.is_(None))
               .group_by(Member.group_id).subquery())
    _insert_from(TallyGroup, ("group_id", "kecamatan_code", "active", "formed", "members"), select(
        Group.id, func.coalesce(Region.parent_code, ""), Group.status == "active", month_index_of(Group.formed_on),
        func.coalesce(members.c.count, 0))
        .outerjoin(Region, Region.code == Group.kelurahan_code).outerjoin(members, members.c.group_id == Group.id))
    _insert_from(TallyReport, ("group_id", "period", "net", "sent_on"), select(
        IncomeReport.group_id, month_index_of(IncomeReport.period), IncomeReport.net,
        _office_day(IncomeReport.submitted_at)))
    _insert_from(TallyGrant, ("group_id", "grant_id", "year", "total"), select(
        Grant.group_id, Grant.id, func.cast(func.extract("year", Grant.handover_date), Integer), Grant.total)
        .where(Grant.status == "handed_over", Grant.handover_date.is_not(None)))

    group, report, grant = TallyGroup, TallyReport, TallyGrant
    counted = (select(report.period, report.net, report.sent_on, group.kecamatan_code)
               .join(group, group.group_id == report.group_id)
               .where(group.active.is_(True), report.period >= group.formed).subquery())
    columns = ("kecamatan_code", "measure", "month", "day", "value")
    active = group.active.is_(True)
    for statement in (
        select(group.kecamatan_code, literal(GROUPS), literal(0), literal(0), func.count())
        .where(active).group_by(group.kecamatan_code),
        select(group.kecamatan_code, literal(MEMBERS), literal(0), literal(0), func.sum(group.members))
        .where(active).group_by(group.kecamatan_code),
        select(group.kecamatan_code, literal(FORMED), group.formed, literal(0), func.count())
        .where(active).group_by(group.kecamatan_code, group.formed),
        select(counted.c.kecamatan_code, literal(REPORTS), counted.c.period, counted.c.sent_on, func.count())
        .group_by(counted.c.kecamatan_code, counted.c.period, counted.c.sent_on),
        select(group.kecamatan_code, literal(GRANTS), grant.year, literal(0), func.count())
        .join(grant, grant.group_id == group.group_id).group_by(group.kecamatan_code, grant.year),
        select(group.kecamatan_code, literal(GRANT_TOTAL), grant.year, literal(0), func.sum(grant.total))
        .join(grant, grant.group_id == group.group_id).group_by(group.kecamatan_code, grant.year),
    ):
        _insert_from(DashboardTally, columns, statement)
    shifted_net = case((counted.c.net < -OFFSET, 0), (counted.c.net >= OFFSET, 2 * OFFSET - 1),
                       else_=counted.c.net + OFFSET)
    for level in range(LEVELS):
        bucket = shifted_net if level == 0 else shifted_net // literal(BASE ** level, BigInteger)
        _insert_from(NetTally, ("month", "level", "bucket", "count"), select(
            counted.c.period, literal(level), bucket, func.count()).group_by(counted.c.period, bucket))
    write_flagged(flagged)
    write_cases()


def _insert_from(model, columns: tuple[str, ...], statement) -> None:
    db.session.execute(insert(model).from_select(list(columns), statement))


def _office_day(column):
    """The ordinal (date.toordinal) of the office's date of a stored UTC moment, in SQL (the office keeps one offset:
    Asia/Jakarta has had no daylight saving time since 1964)."""
    seconds = int(OFFICE_TIMEZONE.utcoffset(datetime(2000, 1, 1)).total_seconds())
    if db.engine.dialect.name == "postgresql":
        moved = column + text(f"interval '{seconds} seconds'")
        return func.cast(func.cast(moved, Date) - literal(date(1, 1, 1)) + 1, Integer)
    # SQLite: the Julian day of 0001-01-01 is 1721425.5.
    return func.cast(func.julianday(func.date(column, f"+{seconds} seconds")) - 1721424.5, Integer)


def write_flagged(flagged: Mapping[str, int]) -> None:
    """Replace the `flagged` measure: groups carrying a stored flag per kecamatan code."""
    db.session.execute(delete(DashboardTally).where(DashboardTally.measure == FLAGGED)
                       .execution_options(synchronize_session=False))
    rows = [{"kecamatan_code": code, "measure": FLAGGED, "month": 0, "day": 0, "value": count}
            for code, count in sorted(flagged.items()) if count]
    if rows:
        db.session.execute(insert(DashboardTally), rows)


def case_counts(group_ids: list[int] | None = None) -> Counter[Key]:
    """The `cases` measure of the stored cases (of these groups only, when given): one grouped query."""
    months_open = func.coalesce(FlagCase.months_open, STILL_OPEN)
    statement = select(FlagCase.opened, months_open, func.count()).group_by(FlagCase.opened, months_open)
    if group_ids is not None:
        statement = statement.where(FlagCase.group_id.in_(group_ids))
    return Counter({("", CASES, month_index(opened), int(months)): count
                    for opened, months, count in db.session.execute(statement)})


def write_cases() -> None:
    """Replace the `cases` measure from every stored case."""
    db.session.execute(delete(DashboardTally).where(DashboardTally.measure == CASES)
                       .execution_options(synchronize_session=False))
    rows = [{"kecamatan_code": code, "measure": measure, "month": month, "day": day, "value": count}
            for (code, measure, month, day), count in sorted(case_counts().items())]
    if rows:
        db.session.execute(insert(DashboardTally), rows)


# -- reading --------------------------------------------------------------------------------------

@dataclass
class KecamatanTally:
    """One kecamatan's figures as the sums hold them."""

    groups: int = 0
    members: int = 0
    expected: int = 0
    received: int = 0
    on_time: int = 0
    grants: int = 0
    grants_total: int = 0
    flagged: int = 0


def kecamatan_tallies(as_of: int, due_on: date, year: int) -> dict[str, KecamatanTally]:
    """Per kecamatan code: active groups, members, the as-of month's reports owed, received and on time (sent by
    `due_on`), `year`'s handed-over grants and flagged groups, in one query."""
    row = DashboardTally
    on_time = func.sum(case((row.day <= due_on.toordinal(), row.value), else_=0))
    by_code: dict[str, KecamatanTally] = defaultdict(KecamatanTally)
    for code, measure, total, early in db.session.execute(
        select(row.kecamatan_code, row.measure, func.sum(row.value), on_time)
        .where(or_(row.measure.in_((GROUPS, MEMBERS, FLAGGED)),
                   and_(row.measure == FORMED, row.month <= as_of),
                   and_(row.measure == REPORTS, row.month == as_of),
                   and_(row.measure.in_((GRANTS, GRANT_TOTAL)), row.month == year)))
        .group_by(row.kecamatan_code, row.measure)
    ):
        tally, total = by_code[code], int(total)
        if measure == REPORTS:
            tally.received, tally.on_time = total, int(early)
        else:
            setattr(tally, {GROUPS: "groups", MEMBERS: "members", FLAGGED: "flagged", FORMED: "expected",
                            GRANTS: "grants", GRANT_TOTAL: "grants_total"}[measure], total)
    return dict(by_code)


def stored_cases() -> dict[tuple[int, int | None], int]:
    """Every stored case counted by (opened month index, months open or None while open): one query."""
    return {(month, None if months == STILL_OPEN else months): int(count)
            for month, months, count in db.session.execute(
                select(DashboardTally.month, DashboardTally.day, func.sum(DashboardTally.value))
                .where(DashboardTally.measure == CASES).group_by(DashboardTally.month, DashboardTally.day))
            if count}


def median_rank(count: int) -> tuple[int, ...]:
    """The 0-based ranks whose mean is the median of `count` values (one or two)."""
    return (count // 2,) if count % 2 else (count // 2 - 1, count // 2)


def walk_down(counts: Mapping[int, int], rank: int) -> tuple[int, int]:
    """The bucket among `counts` (bucket -> count) that holds the value of 0-based `rank`, and the rank within it."""
    for bucket in sorted(counts):
        if rank < counts[bucket]:
            return bucket, rank
        rank -= counts[bucket]
    raise ValueError("rank beyond the counted values")


def medians(first: int, last: int) -> dict[int, tuple[int, int]]:
    """Per month from `first` to `last` with counted reports: (how many, their median net), in 1 + READ_WHOLE queries.

    The median of an even count is the mean of the two middle values cut to whole Rupiah toward zero,
    as `int(statistics.median(...))` gives it.
    """
    tree = NetTally.__table__.c  # the table's own columns: conditions built without the ORM's cost
    # The upper levels of every month at once (months listed rather than a range: each is a seek on the key).
    upper: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for month, level, bucket, count in db.session.execute(
        select(tree.month, tree.level, tree.bucket, tree.count)
        .where(tree.month.in_(range(first, last + 1)), tree.level >= READ_WHOLE, tree.count > 0)
    ):
        upper[(month, level)][bucket] = count
    totals = {month: sum(counts.values()) for (month, level), counts in upper.items() if level == _TOP}
    # Each search: (month, rank) -> (bucket at the current level, rank within it).
    searches = {(month, rank): walk_down(upper[(month, _TOP)], rank) for month in totals
                for rank in median_rank(totals[month])}
    for level in range(_TOP - 1, -1, -1):
        children: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
        if level >= READ_WHOLE:
            rows = ((month, bucket, count) for month in totals for bucket, count in upper[(month, level)].items())
        else:
            parents = sorted({(month, bucket) for (month, _rank), (bucket, _within) in searches.items()})
            rows = db.session.execute(select(tree.month, tree.bucket, tree.count).where(
                tree.count > 0, or_(*(and_(tree.month == month, tree.level == level,
                                           tree.bucket.between(parent * BASE, parent * BASE + BASE - 1))
                                      for month, parent in parents))))
        for month, bucket, count in rows:
            children[(month, bucket // BASE)][bucket] = count
        searches = {key: walk_down(children[(key[0], bucket)], within) for key, (bucket, within) in searches.items()}
    found: dict[int, tuple[int, int]] = {}
    for month, total in totals.items():
        values = [searches[(month, rank)][0] - OFFSET for rank in median_rank(total)]
        found[month] = (total, int(values[0]) if len(values) == 1 else int((values[0] + values[1]) / 2))
    return found
