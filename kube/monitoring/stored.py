"""The current month's flags, their cases and their counts kept in the database and always current.

The stored rows (tables `current_flags`, `flag_cases`, `flag_counts`) stand for one *basis*, kept in the one
row of `flag_refreshes`: the as-of month, the latest month whose missing report counts (its due date passed)
and the flag settings. Within one basis the flags of a group change only when its own data does, so:

- the session events installed by `install_session_events` recompute, in the same transaction and just
  before it commits, the groups whose reports, grants, members, status or formation date it changed
  (their flags, and their cases from their whole history);
- `refresh_all` (the `flask flags refresh` command, daily from cron, at `./run.sh` and after the demo)
  recomputes every group when the basis moves: a new month, a due date passed, other settings; it
  evaluates only the months since the last refresh and continues the stored cases;
- readers get the stored flags only while their basis is today's (`is_current`; otherwise the caller
  computes live), so stored and live flags never differ.

The same recomputation keeps the dashboard's running totals (kube.monitoring.tallies) for the groups it
touches, whatever the basis, once the first full refresh has built them.
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from flask import current_app, has_app_context
from sqlalchemy import Select, case as sql_case, delete, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from kube.core.bulk import no_cyclic_gc
from kube.core.clock import office_today, utc_now
from kube.core.database import is_sqlite, month_index_of
from kube.core.pagination import clamp_page
from kube.core.periods import from_month_index, month_index
from kube.extensions import db
from kube.groups.models import Group, Member
from kube.ledger.models import Grant
from kube.monitoring import operations, tallies, trends
from kube.monitoring.models import CurrentFlag, FlagCase, FlagCount, FlagRefresh, FlagStaleGroup, FollowUp
from kube.reports.models import IncomeReport
from kube.reports.queries import due_day
from kube.reports.schedule import due_date

#: The flags page warns when the last full refresh is older than this (the cron runs daily).
STALE_AFTER = timedelta(hours=36)
#: Groups recomputed per statement: keeps IN lists short on SQLite and PostgreSQL alike.
CHUNK = 500
_STATE_ID = 1


# -- the basis ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Basis:
    """What flags depend on besides the groups' own data: on the same basis, the same data gives the same flags."""

    as_of: date
    overdue_through: date
    settings_key: str

    @property
    def as_of_index(self) -> int:
        """The as-of month as a month index."""
        return month_index(self.as_of)


def _settings_key(settings: trends.FlagSettings) -> str:
    programs = tuple(current_app.config["MONITORING_GRANT_PROGRAMS"])
    return hashlib.sha256(repr((settings, programs)).encode()).hexdigest()


def basis_for(today: date, settings: trends.FlagSettings | None = None) -> Basis:
    """Today's basis: the last complete month, the latest overdue report month up to it, and the settings."""
    settings = settings or operations.flag_settings()
    as_of = operations.default_as_of(today)
    # `today` reaches the flags only through this month (missing_reports), so it is all the basis keeps of it.
    overdue = min(as_of, trends.last_overdue_month(today, settings.due_day))
    return Basis(from_month_index(as_of), from_month_index(overdue), _settings_key(settings))


def _stored_basis(state) -> Basis | None:
    return None if state is None else Basis(state.as_of, state.overdue_through, state.settings_key)


def _state_row(lock: str | None = None):
    """(as_of, overdue_through, settings_key, refreshed_at) of the one refresh row; `lock` "share" or "update"."""
    statement = select(FlagRefresh.as_of, FlagRefresh.overdue_through, FlagRefresh.settings_key,
                       FlagRefresh.refreshed_at).where(FlagRefresh.id == _STATE_ID)
    if lock == "share":
        statement = statement.with_for_update(read=True)
    elif lock == "update":
        statement = statement.with_for_update()
    return db.session.execute(statement).first()


# -- writing ------------------------------------------------------------------------------------

#: No case opens before this month: no as-of month exists before it.
_FLOOR = month_index(operations.EARLIEST_AS_OF)


def _flag_rows(group_id: int, flags: list[trends.Flag], cases: list[trends.Case], as_of: int) -> list[dict]:
    """current_flags rows of one group: its flags at the as-of month, each with the month its open case opened."""
    opened = {case.kind: case.opened for case in cases if case.closed is None}
    as_of_date = from_month_index(as_of)
    return [{"group_id": group_id, "kind": flag.kind, "as_of": as_of_date, "opened": from_month_index(opened[flag.kind]),
             "details": flag.details, "severity": flag.severity} for flag in flags]


def _case_row(group_id: int, case: trends.Case) -> dict:
    return {"group_id": group_id, "kind": case.kind, "opened": from_month_index(case.opened),
            "closed": None if case.closed is None else from_month_index(case.closed),
            "months_open": None if case.closed is None else case.closed - case.opened}


def whole_history(series: trends.GroupSeries, as_of: int, today: date,
                  settings: trends.FlagSettings) -> tuple[list[trends.Case], list[trends.Flag]]:
    """A group's cases from its formation to the as-of month and its flags at that month, from scratch.

    The one definition the stored cases equal: every month evaluated as `compute_flags(month, today)` would.
    """
    return trends.flag_history(series, max(series.formed_month, _FLOOR), as_of, today, settings)


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(model), rows)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _mark_stale(ids: list[int]) -> None:
    """Remember groups changed off the stored basis (their rows are locked, so no one else marks them now)."""
    for chunk in _chunks(ids):
        known = set(db.session.scalars(select(FlagStaleGroup.group_id).where(FlagStaleGroup.group_id.in_(chunk))))
        _insert(FlagStaleGroup, [{"group_id": group_id} for group_id in chunk if group_id not in known])


def refresh_groups(group_ids: Iterable[int], today: date | None = None) -> bool:
    """Recompute these groups' stored flags and cases from scratch; off the stored basis only mark them stale (False).

    Off the stored basis (a new month, a due date passed, other settings, never refreshed) the rows
    are all out of date anyway and only `refresh_all` can make them current; it rebuilds the
    marked groups' cases from scratch, since their past months may have changed too.

    A group out of the flags' scope keeps its past cases; those still open close at the month after
    the as-of month (it stopped being active in the current month). One whose formation moved past
    the as-of month loses them: it did not exist then.

    Locks, in this order: the groups' rows (as report changes lock them, in id order), so of two
    transactions changing one group the later recomputes after the earlier committed and sees its
    data; then the refresh row, shared, so a running full refresh is waited for and its result built
    on. In the other order a writer holding a group's lock from its report could wait for a full
    refresh that waits for a writer waiting for that group: a deadlock.
    """
    wanted = sorted({group_id for group_id in group_ids if group_id is not None})
    # Only groups that exist: one made in a savepoint that rolled back (a dry-run import) has nothing to store.
    ids = [group_id for chunk in _chunks(wanted) for group_id in db.session.scalars(
        select(Group.id).where(Group.id.in_(chunk)).order_by(Group.id).with_for_update(key_share=True))]
    if not ids:
        return True
    today = today or office_today()
    settings = operations.flag_settings()
    basis = basis_for(today, settings)
    state = _state_row(lock="share")
    # The dashboard's totals are kept whatever the basis, from the first full refresh on (it builds them).
    totals = tallies.Change()
    old_kecamatan = tallies.recount_groups(ids, totals) if state is not None else {}
    if _stored_basis(state) != basis:
        _mark_stale(ids)
        totals.apply()
        return False
    as_of = basis.as_of_index
    change: Counter[str] = Counter()
    for chunk in _chunks(ids):
        data = operations.load_monitoring_data(as_of, operations.FlagFilters(group_ids=tuple(chunk)))
        inside = list(data.groups)
        old_flags = db.session.execute(select(CurrentFlag.group_id, CurrentFlag.kind)
                                       .where(CurrentFlag.group_id.in_(chunk))).all()
        change.subtract(kind for _group_id, kind in old_flags)
        for group_id in {group_id for group_id, _kind in old_flags}:
            totals.figures[(old_kecamatan.get(group_id) or "", tallies.FLAGGED, 0, 0)] -= 1
        totals.figures.subtract(tallies.case_counts(chunk))
        db.session.execute(delete(CurrentFlag).where(CurrentFlag.group_id.in_(chunk))
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(FlagCase).where(FlagCase.group_id.in_(inside))
                           .execution_options(synchronize_session=False))
        flag_rows, case_rows = [], []
        for series in data.series:
            cases, flags = whole_history(series, as_of, today, settings)
            flag_rows += _flag_rows(series.group_id, flags, cases, as_of)
            case_rows += [_case_row(series.group_id, case) for case in cases]
        _insert(CurrentFlag, flag_rows)
        _insert(FlagCase, case_rows)
        _leave_scope([group_id for group_id in chunk if group_id not in data.groups], as_of)
        change.update(row["kind"] for row in flag_rows)
        for group_id in {row["group_id"] for row in flag_rows}:
            totals.figures[(data.groups[group_id].kecamatan_code, tallies.FLAGGED, 0, 0)] += 1
        totals.figures.update(tallies.case_counts(chunk))
    # Last, in a fixed order (flag counts, then the dashboard's totals), and only the counts that moved:
    # most writes change no count at all.
    for kind in sorted(kind for kind, delta in change.items() if delta):
        db.session.execute(update(FlagCount).where(FlagCount.kind == kind)
                           .values(count=FlagCount.count + change[kind]))
    totals.apply()
    return True


def _leave_scope(group_ids: list[int], as_of: int) -> None:
    """Groups the flags no longer see keep their past cases, the open ones closed at the month after the as-of month;
    an active group whose formation moved past the as-of month loses them all (it did not exist then)."""
    if not group_ids:
        return
    not_formed = (Group.status == "active") & (Group.formed_on >= from_month_index(as_of + 1))
    db.session.execute(delete(FlagCase).where(
        FlagCase.group_id.in_(select(Group.id).where(Group.id.in_(group_ids), not_formed)))
        .execution_options(synchronize_session=False))
    still_open = db.session.execute(select(FlagCase.id, FlagCase.opened).where(
        FlagCase.group_id.in_(group_ids), FlagCase.closed.is_(None))).all()
    _close(still_open, as_of + 1)


def _close(cases: Iterable, closed: int) -> None:
    """Close these (id, opened) cases at the `closed` month."""
    rows = [{"id": case_id, "closed": from_month_index(closed), "months_open": closed - month_index(opened)}
            for case_id, opened in cases]
    if rows:
        db.session.execute(update(FlagCase), rows)


@dataclass(frozen=True)
class RefreshResult:
    """What a full refresh did: the as-of month, active groups evaluated, flags stored, groups rebuilt from scratch."""

    as_of: int
    groups: int
    flags: int
    rebuilt: int = 0


def _resume_month(previous: Basis | None, basis: Basis) -> int | None:
    """The first month the refresh evaluates again for groups whose stored cases it keeps; None: rebuild them all.

    Months up to the earlier of both bases' overdue months were evaluated finally: `today` reaches a
    month's flags only through the missing reports, and a month that was overdue stays overdue. So
    the stored cases hold up to there and only the months after need evaluating (at least the as-of
    month, for its flags). Other settings, no earlier refresh or an as-of month going back: from scratch.
    """
    if previous is None or previous.settings_key != basis.settings_key or previous.as_of > basis.as_of:
        return None
    return min(month_index(previous.overdue_through), month_index(basis.overdue_through), basis.as_of_index - 1) + 1


def resumed_cases_statement(resume: int) -> Select:
    """The stored cases a refresh resuming at this month continues or replaces: open, or closed from it on.

    (group_id, id, kind, opened, closed), the months as month indexes; public so the benchmark can time it bare.
    """
    return (select(FlagCase.group_id, FlagCase.id, FlagCase.kind, month_index_of(FlagCase.opened),
                   month_index_of(FlagCase.closed))
            .where(FlagCase.closed.is_(None) | (FlagCase.closed >= from_month_index(resume))))


def resume_month_for(today: date) -> int | None:
    """The month a full refresh today would resume at (None: it would rebuild every group)."""
    return _resume_month(_stored_basis(_state_row()), basis_for(today))


def refresh_all(today: date | None = None) -> RefreshResult:
    """Recompute every active group's flags and cases in a fixed number of queries and record it; the caller commits.

    Only the months since the last refresh are evaluated (see `_resume_month`) and only the cases that
    changed are written; groups marked stale, and all of them when the basis cannot be resumed, are
    rebuilt from their whole history. The refresh row is locked first, so writers that would
    recompute a group wait for this to commit and then recompute on top of it.
    """
    with no_cyclic_gc():  # every group's series, flags and rows: millions of objects without a cycle
        return _refresh_all(today)


def _refresh_all(today: date | None) -> RefreshResult:
    # Changes still pending in this session are read below, so they need no recomputing at commit.
    db.session.flush()
    session = db.session()
    pending = sorted(session.info.pop(_PENDING, set()))
    today = today or office_today()
    settings = operations.flag_settings()
    basis = basis_for(today, settings)
    previous = _claim_state(basis)
    resume = _resume_month(previous, basis)
    as_of = basis.as_of_index
    data = operations.load_monitoring_data(as_of)
    stale = set(db.session.scalars(select(FlagStaleGroup.group_id)))
    kept: dict[int, list] = defaultdict(list)
    if resume is None:
        rebuild = set(data.groups)
        with_open_cases = set(db.session.scalars(select(FlagCase.group_id).where(FlagCase.closed.is_(None))))
    else:
        rebuild = stale & set(data.groups)
        for row in db.session.execute(resumed_cases_statement(resume)):
            kept[row[0]].append(row[1:])
        with_open_cases = {group_id for group_id, rows in kept.items() if any(row[3] is None for row in rows)}
    for chunk in _chunks(sorted(rebuild)):
        db.session.execute(delete(FlagCase).where(FlagCase.group_id.in_(chunk))
                           .execution_options(synchronize_session=False))

    flag_rows, inserts, updates, deletes = [], [], [], []
    for series in data.series:
        group_id = series.group_id
        if group_id in rebuild:
            cases, flags = whole_history(series, as_of, today, settings)
            inserts += [_case_row(group_id, case) for case in cases]
        else:
            cases, flags = _resumed_history(series, kept.get(group_id, ()), resume, as_of, today, settings,
                                            inserts, updates, deletes)
        if flags:
            flag_rows += _flag_rows(group_id, flags, cases, as_of)
    # Groups changed off the basis, or (a safety net) with open cases, that the flags no longer see.
    _leave_scope(sorted((stale | with_open_cases) - set(data.groups)), as_of)

    for chunk in _chunks(deletes):
        db.session.execute(delete(FlagCase).where(FlagCase.id.in_(chunk)).execution_options(synchronize_session=False))
    if updates:
        db.session.execute(update(FlagCase), updates)
    _insert(FlagCase, inserts)
    _write_current_flags(flag_rows)
    counts = Counter(row["kind"] for row in flag_rows)
    db.session.execute(delete(FlagCount).execution_options(synchronize_session=False))
    _insert(FlagCount, [{"kind": kind, "count": counts[kind]} for kind in trends.FLAG_KINDS])
    db.session.execute(delete(FlagStaleGroup).execution_options(synchronize_session=False))

    flagged: Counter[str] = Counter(data.groups[group_id].kecamatan_code
                                    for group_id in {row["group_id"] for row in flag_rows})
    if previous is None:
        tallies.rebuild(flagged)  # the first full refresh: nothing was kept before
    else:
        # The session's own changes: their flags are computed above, their totals not yet.
        totals = tallies.Change()
        tallies.recount_groups(pending, totals)
        totals.apply()
        tallies.write_flagged(flagged)
        tallies.write_cases()
    db.session.flush()
    _mark_done(session, set(pending))
    return RefreshResult(as_of, len(data.groups), len(flag_rows), len(rebuild))


def stored_flags_statement() -> Select:
    """Every stored flag as the refresh compares it: (id, group_id, kind, as_of, opened, details, severity).

    Public so the benchmark can time it bare."""
    return select(CurrentFlag.id, CurrentFlag.group_id, CurrentFlag.kind, CurrentFlag.as_of, CurrentFlag.opened,
                  CurrentFlag.details, CurrentFlag.severity)


def _write_current_flags(rows: list[dict]) -> None:
    """Make `current_flags` hold exactly these rows, writing only the ones that differ.

    On most nights nothing moved (the writes of the day recomputed their groups already), so reading
    the stored flags and comparing costs far less than deleting and inserting them all.
    """
    stored_rows = {(group_id, kind): (flag_id, (as_of, opened, details, severity))
                   for flag_id, group_id, kind, as_of, opened, details, severity
                   in db.session.execute(stored_flags_statement())}
    inserts, updates = [], []
    for row in rows:
        found = stored_rows.pop((row["group_id"], row["kind"]), None)
        if found is None:
            inserts.append(row)
        elif found[1] != (row["as_of"], row["opened"], row["details"], row["severity"]):
            updates.append({"id": found[0], "as_of": row["as_of"], "opened": row["opened"], "details": row["details"],
                            "severity": row["severity"]})
    for chunk in _chunks([flag_id for flag_id, _values in stored_rows.values()]):
        db.session.execute(delete(CurrentFlag).where(CurrentFlag.id.in_(chunk))
                           .execution_options(synchronize_session=False))
    if updates:
        db.session.execute(update(CurrentFlag), updates)
    _insert(CurrentFlag, inserts)


def _resumed_history(series: trends.GroupSeries, kept: Iterable, resume: int, as_of: int, today: date,
                     settings: trends.FlagSettings, inserts: list, updates: list,
                     deletes: list) -> tuple[list[trends.Case], list[trends.Flag]]:
    """A group's cases continued from the resume month on its stored ones, adding the writes that makes to the lists.

    `kept` are its stored cases still open or closed from the resume month on: (id, kind, opened, closed), months
    as month indexes.
    """
    first = max(resume, series.formed_month, _FLOOR)
    if not kept:  # most groups: nothing open, nothing to compare with
        cases, flags = trends.flag_history(series, first, as_of, today, settings)
        inserts += [_case_row(series.group_id, case) for case in cases]
        return cases, flags
    stored_cases = {(kind, opened): (case_id, closed) for case_id, kind, opened, closed in kept}
    carried = {kind: opened for kind, opened in stored_cases if opened < resume}
    cases, flags = trends.flag_history(series, first, as_of, today, settings, carried)
    for case in cases:
        found = stored_cases.pop((case.kind, case.opened), None)
        if found is None:
            inserts.append(_case_row(series.group_id, case))
        elif found[1] != case.closed:
            row = _case_row(series.group_id, case)
            updates.append({"id": found[0], "closed": row["closed"], "months_open": row["months_open"]})
    deletes += [case_id for case_id, _closed in stored_cases.values()]
    return cases, flags


def _claim_state(basis: Basis) -> Basis | None:
    """Lock the refresh row (creating it the first time) and set it to `basis`, refreshed now; the basis it had."""
    values = {"as_of": basis.as_of, "overdue_through": basis.overdue_through, "settings_key": basis.settings_key,
              "refreshed_at": utc_now()}
    previous = _state_row(lock="update")
    if previous is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(FlagRefresh), [{"id": _STATE_ID, **values}])
            return None
        except IntegrityError:
            # Another first refresh inserted it meanwhile: wait for it, then take the row over.
            previous = _state_row(lock="update")
    db.session.execute(FlagRefresh.__table__.update().where(FlagRefresh.id == _STATE_ID).values(**values))
    return _stored_basis(previous)
# -- reading ------------------------------------------------------------------------------------

def is_current(today: date | None = None) -> bool:
    """Whether the stored flags and cases are on today's basis (else readers compute live)."""
    today = today or office_today()
    return _stored_basis(_state_row()) == basis_for(today)


def current_flags(today: date | None = None, filters: operations.FlagFilters = operations.FlagFilters(),
                  settings: trends.FlagSettings | None = None) -> operations.FlagList | None:
    """The stored flags as `compute_flags(default_as_of(today), today, filters, with_opened=True)` gives them.

    None when the stored flags are not on today's basis: the caller computes live. Two queries; the
    FlagList's `groups` holds the flagged groups only (all a flags list shows).
    """
    today = today or office_today()
    basis = basis_for(today, settings)
    if _stored_basis(_state_row()) != basis:
        return None
    as_of = basis.as_of_index
    statement = (operations.group_rows_statement(as_of, filters)
                 .add_columns(CurrentFlag.kind, CurrentFlag.details, CurrentFlag.severity, CurrentFlag.opened)
                 .join(CurrentFlag, CurrentFlag.group_id == Group.id))
    if filters.kind:
        statement = statement.where(CurrentFlag.kind == filters.kind)
    groups: dict[int, operations.GroupInfo] = {}
    flags: list[trends.Flag] = []
    opened: dict[tuple[int, str], int] = {}
    for row in db.session.execute(statement):
        info = groups.get(row[0]) or groups.setdefault(row[0], operations.group_info(row))
        kind, details, severity, opened_on = row[10:]
        flags.append(trends.Flag(info.id, kind, details, severity))
        opened[(info.id, kind)] = month_index(opened_on)
    # The very order evaluate_groups gives: most serious first, then kind, then group.
    flags.sort(key=trends._sort_key)
    return operations.FlagList(as_of, flags, groups, opened)


def dashboard(today: date | None = None, chart_months: int = 12) -> operations.StoredDashboard | None:
    """The dashboard's figures from the stored flags and the running totals in a fixed number of queries,
    whatever the number of groups (None off today's basis: the caller computes live)."""
    today = today or office_today()
    if not is_current(today):
        return None
    as_of = operations.default_as_of(today)
    by_kind = dict(db.session.execute(select(FlagCount.kind, FlagCount.count)).all())
    return operations.StoredDashboard(
        as_of, {kind: by_kind.get(kind, 0) for kind in trends.FLAG_KINDS},
        tallies.kecamatan_tallies(as_of, due_date(from_month_index(as_of), due_day()), today.year),
        tallies.medians(as_of - chart_months + 1, as_of))


@dataclass
class FlagListing:
    """One page of a flags list: its flags (with their groups and `opened`), how many in all, and counts by kind."""

    result: operations.FlagList
    page: int
    per_page: int
    total: int
    counts: dict[str, int]


def _recently_followed_up(today: date):
    """EXISTS: the stored flag's group has a follow-up of its kind in the last FOLLOW_UP_FRESH_DAYS days."""
    return select(FollowUp.id).where(
        FollowUp.group_id == CurrentFlag.group_id, FollowUp.flag_kind == CurrentFlag.kind,
        FollowUp.action_date >= today - timedelta(days=operations.FOLLOW_UP_FRESH_DAYS)).exists()


_KIND_ORDER = sql_case({kind: rank for rank, kind in enumerate(trends.FLAG_KINDS)}, value=CurrentFlag.kind)


def list_flags(as_of: int, today: date, filters: operations.FlagFilters = operations.FlagFilters(), *,
               page: int = 1, per_page: int = 25, viewer=None, no_follow_up: bool = False,
               open_over: int | None = None) -> FlagListing:
    """A page of the flags at the as-of month, most serious first (the `viewer`'s groups first when given).

    `no_follow_up`: only flags without a follow-up of their kind in the last FOLLOW_UP_FRESH_DAYS days;
    `open_over`: only flags whose case has been open more than this many months. The current month,
    when stored and current, is read a page at a time in SQL (its cost does not grow with the city);
    any other month is computed and paged in memory, in the very same order.
    """
    if as_of == operations.default_as_of(today) and is_current(today):
        return _stored_page(as_of, today, filters, page, per_page, viewer, no_follow_up, open_over)
    result = operations.compute_flags(as_of, today, filters, with_opened=True)
    if no_follow_up:
        result = operations.without_recent_follow_up(result, today)
    if open_over is not None:
        result.flags = [flag for flag in result.flags
                        if as_of - result.opened[(flag.group_id, flag.kind)] + 1 > open_over]
    if viewer is not None:
        result = operations.mine_first(result, viewer)
    counts = result.counts_by_kind()
    total = len(result.flags)
    page = clamp_page(page, total, per_page)
    result.flags = result.flags[(page - 1) * per_page:page * per_page]
    return FlagListing(result, page, per_page, total, counts)


def _stored_page(as_of: int, today: date, filters: operations.FlagFilters, page: int, per_page: int, viewer,
                 no_follow_up: bool, open_over: int | None) -> FlagListing:
    """`list_flags` read from the stored flags: counts by kind and one page, each a query that stops early.

    The stored rows are all of groups in the flags' scope (the refreshes keep them so), so without a
    kecamatan, officer or group filter the counts read `current_flags` alone. The page walks the
    severity index and stops after its rows; the viewer's own groups come first as a separate, short
    list (an officer accompanies a few of the city's groups), so the rest still walks the index.
    """
    conditions = []
    if filters.kind:
        conditions.append(CurrentFlag.kind == filters.kind)
    if no_follow_up:
        conditions.append(~_recently_followed_up(today))
    if open_over is not None:
        conditions.append(CurrentFlag.opened <= from_month_index(as_of - open_over))
    narrowed = bool(filters.kecamatan or filters.officer_id is not None or filters.group_id is not None
                    or filters.group_ids is not None)

    def counted(extra=()) -> Select:
        statement = select(CurrentFlag.kind, func.count()).where(*conditions, *extra).group_by(CurrentFlag.kind)
        if narrowed or extra:
            statement = operations.scoped_to_month(statement.join(Group, Group.id == CurrentFlag.group_id),
                                                   as_of, filters)
        return statement

    if narrowed or no_follow_up or open_over is not None:
        found = dict(db.session.execute(counted()).all())
    else:
        # Every stored flag, or those of one kind: the counts kept with them.
        found = dict(db.session.execute(select(FlagCount.kind, FlagCount.count)).all())
        if filters.kind:
            found = {filters.kind: found.get(filters.kind, 0)}
    counts = {kind: found.get(kind, 0) for kind in trends.FLAG_KINDS}
    total = sum(counts.values())
    page = clamp_page(page, total, per_page)
    start, end = (page - 1) * per_page, page * per_page

    def rows(walk: bool) -> Select:
        flag_of_group = CurrentFlag.group_id == Group.id
        if walk and is_sqlite():
            # SQLite's planner would start from the groups and sort every stored flag of the city for one
            # page; "+ 0" keeps it from finding flags by group, so it walks the severity index and stops.
            flag_of_group = CurrentFlag.group_id + 0 == Group.id
        return (operations.group_rows_statement(as_of, filters).order_by(None)
                .add_columns(CurrentFlag.kind, CurrentFlag.details, CurrentFlag.severity, CurrentFlag.opened)
                .join(CurrentFlag, flag_of_group).where(*conditions)
                .order_by(CurrentFlag.severity.desc(), _KIND_ORDER, Group.id))

    viewer_id = getattr(viewer, "id", None)
    if viewer_id is None:
        parts = [(rows(walk=True), start, end)]
    else:
        mine = Group.officer_id == viewer_id
        own = sum(dict(db.session.execute(counted([mine])).all()).values())
        # The viewer's own few groups are found from the groups; the rest by walking the flags.
        parts = [(rows(walk=False).where(mine), start, min(end, own)),
                 (rows(walk=True).where(Group.officer_id.is_distinct_from(viewer_id)), max(start - own, 0), end - own)]
    groups: dict[int, operations.GroupInfo] = {}
    flags: list[trends.Flag] = []
    opened: dict[tuple[int, str], int] = {}
    for statement, first, last in parts:
        # An empty part is still asked (LIMIT 0 costs nothing): the same statements whatever the page.
        for row in db.session.execute(statement.limit(max(last - first, 0)).offset(first)):
            info = groups.get(row[0]) or groups.setdefault(row[0], operations.group_info(row))
            kind, details, severity, opened_on = row[10:]
            flags.append(trends.Flag(info.id, kind, details, severity))
            opened[(info.id, kind)] = month_index(opened_on)
    return FlagListing(operations.FlagList(as_of, flags, groups, opened), page, per_page, total, counts)


def count_without_recent_follow_up(today: date | None = None) -> int | None:
    """How many stored flags have no follow-up of their kind in the last FOLLOW_UP_FRESH_DAYS days, in one count.

    The inbox's number, equal to `len(without_recent_follow_up(current_flags(today), today).flags)` without
    loading the flags; None when the stored flags are not on today's basis (the caller computes live).
    The stored rows are all of groups in the flags' scope, so `current_flags` alone is counted.
    """
    today = today or office_today()
    if not is_current(today):
        return None
    return db.session.scalar(select(func.count(CurrentFlag.id)).where(~_recently_followed_up(today))) or 0


@dataclass(frozen=True)
class RefreshStatus:
    """When every group's flags were last recomputed (None: never) and whether that is too long ago."""

    refreshed_at: datetime | None
    stale: bool


def last_refresh() -> datetime | None:
    """The moment (UTC) of the last full refresh, None before the first."""
    row = _state_row()
    if row is None:
        return None
    moment = row.refreshed_at
    # SQLite gives the stored UTC moment back without its zone.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def refresh_status(now: datetime | None = None) -> RefreshStatus:
    """The last full refresh and whether it is older than STALE_AFTER (or missing)."""
    moment = last_refresh()
    now = now or utc_now()
    return RefreshStatus(moment, moment is None or now - moment > STALE_AFTER)


# -- keeping them current: session events ---------------------------------------------------------

#: session.info keys: group ids changed since their last recompute; {transaction: ids recomputed in it}; re-entry.
_PENDING = "kube.flags.pending"
_DONE = "kube.flags.done"
_BUSY = "kube.flags.busy"

#: (model, the attribute naming the group, the attributes the flags or the dashboard's totals read): a change to these
#: marks the group.
_WATCHED = (
    (IncomeReport, "group_id", ("group_id", "period", "net", "active_members", "submitted_at")),
    (Grant, "group_id", ("group_id", "status", "handover_date", "program", "total")),
    (Member, "group_id", ("group_id", "joined_on", "left_on")),
    (Group, "id", ("status", "formed_on", "kelurahan_code")),
)


def _touched_groups(obj, whole: bool) -> set[int]:
    """The groups whose flags a new, deleted (`whole`) or changed object may change."""
    for model, key, names in _WATCHED:
        if isinstance(obj, model):
            break
    else:
        return set()
    found = {getattr(obj, key)}
    if not whole:
        attributes = db.inspect(obj).attrs
        changed = False
        for name in names:
            history = attributes[name].history
            if history.has_changes():
                changed = True
                if name == key:
                    found.update(history.deleted)  # the group it moved away from
        if not changed:
            return set()
    found.discard(None)
    return found


def _after_flush(session: Session, _context) -> None:
    found: set[int] = set()
    for obj in session.new:
        found |= _touched_groups(obj, whole=True)
    for obj in session.deleted:
        found |= _touched_groups(obj, whole=True)
    for obj in session.dirty:
        found |= _touched_groups(obj, whole=False)
    if found:
        session.info.setdefault(_PENDING, set()).update(found)


def _innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _mark_done(session: Session, ids: set[int]) -> None:
    """Remember that these groups were recomputed inside the innermost transaction (undone if it rolls back)."""
    transaction = _innermost(session)
    if ids and transaction is not None:
        session.info.setdefault(_DONE, {}).setdefault(transaction, set()).update(ids)


def _before_commit(session: Session) -> None:
    """Recompute the changed groups just before the transaction (or savepoint) commits."""
    if session.info.get(_BUSY) or not has_app_context():
        return
    session.flush()  # the last changes are collected by _after_flush
    if not session.info.get(_PENDING):
        return
    session.info[_BUSY] = True
    try:
        # Recomputing flushes nothing of its own, but loop in case it ever does.
        while pending := session.info.pop(_PENDING, None):
            refresh_groups(pending, office_today())
            _mark_done(session, pending)
            session.flush()
    finally:
        session.info.pop(_BUSY, None)


def _after_rollback(session: Session) -> None:
    """A rolled-back savepoint took its recomputed rows with it: those groups are pending again."""
    done = session.info.get(_DONE)
    transaction = _innermost(session)
    if done and transaction in done:
        session.info.setdefault(_PENDING, set()).update(done.pop(transaction))


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended (committed or rolled back): forget everything; a savepoint: pass it up."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_DONE, None)
        return
    done = session.info.get(_DONE)
    if done and transaction in done:
        done.setdefault(transaction.parent, set()).update(done.pop(transaction))


_installed = False


def install_session_events() -> None:
    """Keep the stored flags current in every transaction of `db.session` (installed once per process)."""
    global _installed
    if _installed:
        return
    event.listen(db.session, "after_flush", _after_flush)
    event.listen(db.session, "before_commit", _before_commit)
    event.listen(db.session, "after_rollback", _after_rollback)
    event.listen(db.session, "after_transaction_end", _after_transaction_end)
    _installed = True
