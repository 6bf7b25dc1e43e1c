"""A group's flag cases with the follow-ups that belong to them, and how often a case closed soon after an action.

A follow-up belongs to a case by rule, never by a stored link: the same group and flag kind, and a flag
month (`FollowUp.flag_period`) from the case's `opened` up to the month before its `closed`. So a case
rebuilt by kube.monitoring.stored keeps its follow-ups, and nothing can disagree.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from kube.core.clock import office_today
from kube.core.periods import month_index
from kube.extensions import db
from kube.groups.models import Group
from kube.monitoring import operations, stored, tallies, trends
from kube.monitoring.models import ACTIONS, FlagCase, FollowUp

#: The dashboard judges a case by whether it closed within this many months of its reference month.
EFFECT_WITHIN = 3


# -- one group's cases ------------------------------------------------------------------------------

@dataclass
class CaseRecord:
    """One case of a group (month indexes) with the follow-ups that belong to it, oldest action first."""

    kind: str
    opened: int
    #: The first month the flag no longer held; None while it still holds.
    closed: int | None
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Whether the flag still held at the last month evaluated."""
        return self.closed is None

    @property
    def last_follow_up(self) -> FollowUp | None:
        """The newest action taken on this case, None when there was none."""
        return self.follow_ups[-1] if self.follow_ups else None

    def months_open(self, as_of: int) -> int:
        """In how many months the flag held: up to its closing, or up to and including the as-of month while open."""
        end = self.closed if self.closed is not None else as_of + 1
        return max(end - self.opened, 0)


def attaches(kind: str, opened: int, closed: int | None, flag_kind: str, flag_month: int) -> bool:
    """Whether a follow-up on `flag_kind` for `flag_month` belongs to the case (kind, opened, closed) of its group."""
    return flag_kind == kind and opened <= flag_month and (closed is None or flag_month < closed)


def _case_order(record: CaseRecord) -> tuple[int, int]:
    # Newest first; cases opened the same month in the kinds' fixed order.
    return -record.opened, trends.FLAG_KINDS.index(record.kind)


def group_cases(group: Group, today: date | None = None, *,
                series: trends.GroupSeries | None = None) -> list[CaseRecord]:
    """A group's cases, newest opened first, each with its follow-ups; stored and live give the same.

    Read as stored while the stored cases are on today's basis. Off it, an active group formed by the
    as-of month is computed from its whole history (`stored.whole_history`, the definition the stored
    cases equal; `series` is its series up to the as-of month when the caller has it already); any
    other group keeps the cases it had, which only the next refresh can change. Follow-ups in one query.
    """
    today = today or office_today()
    as_of = operations.default_as_of(today)
    found: list[tuple[str, int, int | None]]
    if not stored.is_current(today) and group.status == "active" and month_index(group.formed_on) <= as_of:
        if series is None or series.group_id != group.id:
            series = operations.load_group_series(group, as_of)
        cases, _flags = stored.whole_history(series, as_of, today, operations.flag_settings())
        found = [(item.kind, item.opened, item.closed) for item in cases]
    else:
        found = [(kind, month_index(opened), None if closed is None else month_index(closed))
                 for kind, opened, closed in db.session.execute(
                     select(FlagCase.kind, FlagCase.opened, FlagCase.closed).where(FlagCase.group_id == group.id))]
    records = sorted((CaseRecord(kind, opened, closed) for kind, opened, closed in found), key=_case_order)
    if records:
        follow_ups = db.session.scalars(
            select(FollowUp).options(joinedload(FollowUp.officer)).where(FollowUp.group_id == group.id)
            .order_by(FollowUp.action_date, FollowUp.id))
        for follow_up in follow_ups:
            month = month_index(follow_up.flag_period)
            for record in records:
                # Cases of one kind never overlap, so at most one takes it.
                if attaches(record.kind, record.opened, record.closed, follow_up.flag_kind, month):
                    record.follow_ups.append(follow_up)
                    break
    return records


# -- effectiveness: how often a case closed soon after each kind of action ----------------------------

@dataclass(frozen=True)
class EffectRow:
    """One row of the dashboard's effectiveness table: an action (None: cases without any follow-up)."""

    action: str | None
    #: Decided cases: closed within the window, or the window has fully passed.
    cases: int
    closed_within: int

    @property
    def share(self) -> float | None:
        """The share of decided cases that closed within the window, None when none is decided."""
        return self.closed_within / self.cases if self.cases else None


#: One case's part of the table: (action or None, reference month, closed month or None).
EffectItem = tuple[str | None, int, int | None]


def case_effect_items(opened: int, closed: int | None, first_actions: Mapping[str, int]) -> list[EffectItem]:
    """What one case adds to the effectiveness table, given the month of its earliest follow-up of each action.

    A case with follow-ups counts once under each action taken, from the month that action was first
    taken; a case without any counts under None, from the month it opened.
    """
    if not first_actions:
        return [(None, opened, closed)]
    return [(action, month, closed) for action, month in first_actions.items()]


def tally_effect(items: Iterable[EffectItem], as_of: int, within: int = EFFECT_WITHIN) -> dict[str | None, tuple[int, int]]:
    """(decided, closed within) per action from the cases' items; pure.

    A case closed within the window when it closed no later than `within` months after its reference
    month. It is decided when it did, or when the window has fully passed by the as-of month; a case
    still inside its window is left out, so recent actions neither help nor hurt their row.
    """
    return tally_weighted(((item, 1) for item in items), as_of, within)


def tally_weighted(items: Iterable[tuple[EffectItem, int]], as_of: int,
                   within: int = EFFECT_WITHIN) -> dict[str | None, tuple[int, int]]:
    """`tally_effect` of items that each stand for `weight` alike cases; pure."""
    counts: dict[str | None, tuple[int, int]] = {}
    for (action, reference, closed), weight in items:
        decided, closed_within = counts.get(action, (0, 0))
        if closed is not None and closed <= reference + within:
            counts[action] = (decided + weight, closed_within + weight)
        elif reference + within <= as_of:
            counts[action] = (decided + weight, closed_within)
    return counts


def unfollowed_items(cases: Mapping[tuple[int, int | None], int],
                     followed: Iterable[tuple[int, int | None]]) -> list[tuple[EffectItem, int]]:
    """The weighted items of the cases without follow-up: every case, counted by (opened, months open or None),
    less the followed-up ones given as (opened, closed or None); pure."""
    remaining = Counter(cases)
    for opened, closed in followed:
        remaining[(opened, None if closed is None else closed - opened)] -= 1
    return [((None, opened, None if months is None else opened + months), weight)
            for (opened, months), weight in remaining.items() if weight]


def effect_rows(counts: Mapping[str | None, tuple[int, int]]) -> list[EffectRow]:
    """The table's rows: every action in its fixed order, then the cases without follow-up (zeros included)."""
    return [EffectRow(action, *counts.get(action, (0, 0))) for action in (*ACTIONS, None)]


def _attached():
    """The rule joining a follow-up to its case, in SQL (see `attaches`)."""
    return and_(FollowUp.group_id == FlagCase.group_id, FollowUp.flag_kind == FlagCase.kind,
                FollowUp.flag_period >= FlagCase.opened,
                or_(FlagCase.closed.is_(None), FollowUp.flag_period < FlagCase.closed))


def effectiveness(today: date | None = None, within: int = EFFECT_WITHIN) -> list[EffectRow] | None:
    """How many decided cases closed within `within` months, per follow-up action and for those without any.

    Read from the stored cases in two queries whatever their number: None when they are not on
    today's basis (computing every group's whole history live is far too slow for a page). The
    followed-up cases are few (officers enter each follow-up by hand), so their (case, action) pairs are
    fetched and tallied by `tally_effect`; the cases without follow-up are all the cases, as the
    dashboard's totals count them by opened month and months open, less those.
    """
    today = today or office_today()
    if not stored.is_current(today):
        return None
    as_of = operations.default_as_of(today)
    firsts: dict[int, tuple[int, int | None, dict[str, int]]] = {}
    for case_id, opened, closed, action, first_date in db.session.execute(
        select(FlagCase.id, FlagCase.opened, FlagCase.closed, FollowUp.action, func.min(FollowUp.action_date))
        .join(FollowUp, _attached())
        .group_by(FlagCase.id, FlagCase.opened, FlagCase.closed, FollowUp.action)
    ):
        entry = firsts.setdefault(case_id, (month_index(opened), None if closed is None else month_index(closed), {}))
        entry[2][action] = month_index(first_date)
    counts = tally_effect((item for opened, closed, actions in firsts.values()
                           for item in case_effect_items(opened, closed, actions)), as_of, within)
    counts[None] = tally_weighted(unfollowed_items(tallies.stored_cases(),
                                                   ((opened, closed) for opened, closed, _ in firsts.values())),
                                  as_of, within).get(None, (0, 0))
    return effect_rows(counts)
