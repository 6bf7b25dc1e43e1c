"""Demo income reports: 24-36 months per active demo group, in patterns that show every flag kind.

Called by `kube.demo.load_demo` after the groups exist. Deterministic: the same seed and the
same day give the same figures. The patterns are placed relative to the last complete month,
so whatever day the demo is loaded the dashboard shows every kind of flag:

- `rising`: income grows steadily (no flag);
- `seasonal`: a yearly cycle like the slack after the Lebaran and wedding season: down over
  the six-month window but above the same months last year, so not flagged;
- `falling`: down for the last ten months and below last year (`not_improving`);
- `stopped`: reported until three months ago, then nothing (`missing_reports`);
- `grant_gain`: a tent-and-chairs grant ten months ago lifted income (no flag);
- `grant_no_gain`: a grant nine months ago, but income stayed below the months before it
  (`no_gain_after_grant`, and usually `not_improving`);
- `poor`: many members sharing a small net income (`below_extreme_poverty`);
- `steady`: the other groups, growing slowly.
"""
from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from kube.auth.models import User
from kube.auth.roles import ADMIN, LEADER, OFFICER
from kube.core.periods import from_month_index, month_index
from kube.extensions import db
from kube.groups.models import Group
from kube.reports.models import IncomeReport
from kube.ledger.models import Budget, Grant

DEMO_REPORT_SEED = 6202
#: Patterns handed out to the oldest groups first, because the early ones need the longest history.
PATTERNS = ("seasonal", "grant_gain", "grant_no_gain", "falling", "stopped", "poor", "rising")
#: Months of history each pattern needs to show what it is meant to show.
MONTHS_NEEDED = {"seasonal": 19, "grant_gain": 14, "grant_no_gain": 13, "falling": 12, "stopped": 8, "poor": 4,
                 "rising": 6, "steady": 1}
#: Months before the last complete month at which the grant patterns' grants were handed over.
GRANT_MONTHS_AGO = {"grant_gain": 10, "grant_no_gain": 9}
#: Share of revenue left as net income, by business type: a warung turns over a lot for a thin margin,
#: tent rental earns most of what it takes in.
MARGINS = {"warung": (0.18, 0.28), "kuliner": (0.28, 0.4), "sewa_tenda": (0.6, 0.75), "ternak": (0.3, 0.45),
           "menjahit": (0.45, 0.6), "bengkel": (0.35, 0.5), "kerajinan": (0.35, 0.5), "lainnya": (0.3, 0.5)}
DEMO_GRANT_LINES = [
    {"kind": "equipment", "item": "Tenda dekorasi", "specification": "4 x 6 m, rangka besi", "quantity": 2,
     "unit": "unit", "unit_value": 6_500_000},
    {"kind": "equipment", "item": "Kursi lipat", "specification": "besi, sandaran busa", "quantity": 50,
     "unit": "buah", "unit_value": 90_000},
]


def plan_patterns(groups: list[Group], today: date, seed: int = DEMO_REPORT_SEED) -> dict[int, tuple[str, int]]:
    """Which pattern each active group gets and its first reported month: group id -> (pattern, month index).

    Pure and deterministic, so tests can tell which group should carry which flag.
    """
    rng = random.Random(seed)
    last = month_index(today) - 1
    waiting = list(PATTERNS)
    plan: dict[int, tuple[str, int]] = {}
    for group in sorted((g for g in groups if g.status == "active"), key=lambda g: (g.formed_on, g.id)):
        first = max(month_index(group.formed_on), last - rng.randint(24, 36) + 1)
        pattern = next((p for p in waiting if last - first + 1 >= MONTHS_NEEDED[p]), "steady")
        if pattern in waiting:
            waiting.remove(pattern)
        plan[group.id] = (pattern, first)
    return plan


def load_demo_reports(groups: list[Group], today: date, seed: int = DEMO_REPORT_SEED) -> dict[int, str]:
    """Give the active groups monthly reports (and the grant patterns a handed-over grant); returns id -> pattern.

    Flushes, never commits. Months before a group was formed get no report.
    """
    rng = random.Random(seed + 1)
    last = month_index(today) - 1
    plan = plan_patterns(groups, today, seed)
    by_id = {group.id: group for group in groups}
    leaders = _leaders_by_group(list(plan))
    admin = db.session.scalar(select(User).where(User.role == ADMIN, User.active.is_(True)).order_by(User.id))
    for group_id, (pattern, first) in plan.items():
        group = by_id[group_id]
        grant_month = None
        if pattern in GRANT_MONTHS_AGO:
            grant_month = _demo_grant_month(group, last - GRANT_MONTHS_AGO[pattern], today, admin, rng)
        members = len(group.current_members)
        # Not every member works in the business every month; the poor group shares among all.
        active_members = members if pattern == "poor" else min(members, rng.randint(4, 7))
        nets = _nets(pattern, rng, first, last, active_members, grant_month)
        low, high = MARGINS.get(group.business_type, MARGINS["lainnya"])
        margin = rng.uniform(low, high)
        leader = leaders.get(group.id)
        for month, net in nets.items():
            db.session.add(_report(group, month, net, margin, active_members, leader, today, last, rng))
    db.session.flush()
    return {group_id: pattern for group_id, (pattern, _first) in plan.items()}


def _leaders_by_group(group_ids: list[int]) -> dict[int, User]:
    if not group_ids:
        return {}
    leaders = db.session.scalars(
        select(User).where(User.role == LEADER, User.group_id.in_(group_ids)).order_by(User.id)
    )
    found: dict[int, User] = {}
    for user in leaders:
        found.setdefault(user.group_id, user)
    return found


def _nets(pattern: str, rng: random.Random, first: int, last: int, active_members: int,
          grant_month: int | None) -> dict[int, int]:
    """Net income per month for a pattern; `last` is the last complete month."""
    # Today's level: comfortably above the Rp400.000 extreme poverty line per active member
    # even at a seasonal low, except for the poor group, which shares too little among too many.
    per_person = rng.randint(250, 320) * 1000 if pattern == "poor" else rng.randint(620, 760) * 1000
    level = active_members * per_person
    nets = {}
    for month in range(first, last + 1):
        ago = last - month
        if pattern == "seasonal":
            # Peak at the start of the window, slack at its end; 0.8 % growth a month makes
            # each month about 10 % better than the same month a year before.
            value = level * (1 - 0.008 * ago) * (1 + 0.22 * math.cos(2 * math.pi * (month - (last - 5)) / 12))
        elif pattern == "falling":
            value = level * (1.3 if ago >= 10 else 1.3 - 0.035 * (10 - ago))
        elif pattern == "stopped":
            if ago < 3:
                continue
            value = level * (1 - 0.01 * ago)
        elif pattern == "grant_gain":
            value = level * (0.75 if month <= grant_month else 1 - 0.01 * ago)
        elif pattern == "grant_no_gain":
            value = level * (1.0 if month <= grant_month else 0.95 - 0.004 * (month - grant_month))
        elif pattern in ("rising", "poor"):
            value = level * (1 - 0.015 * ago)
        else:
            value = level * (1 - 0.006 * ago)
        noise = 1 + rng.uniform(-0.025, 0.025)
        nets[month] = int(round(value * noise / 1000)) * 1000
    return nets


def _report(group: Group, month: int, net: int, margin: float, active_members: int, leader: User | None,
            today: date, last: int, rng: random.Random) -> IncomeReport:
    revenue = max(net, int(round(net / margin / 1000)) * 1000)
    period = from_month_index(month)
    due = from_month_index(month + 1).replace(day=10)
    # Most reports arrive by the 10th; some a few days late. None is dated after today.
    day = rng.randint(1, 10) if rng.random() < 0.85 else rng.randint(11, 24)
    submitted_on = min(due.replace(day=day), today)
    submitted_at = datetime.combine(submitted_on, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=3)
    verified = month < last - 1 and group.officer_id is not None
    return IncomeReport(
        group_id=group.id, period=period, revenue=revenue, expenses=revenue - net, net=net,
        active_members=active_members, note="", submitted_by_id=(leader.id if leader else group.officer_id),
        entered_on_behalf=leader is None, submitted_at=submitted_at, updated_at=submitted_at,
        verified_by_id=group.officer_id if verified else None,
        verified_at=submitted_at + timedelta(days=3) if verified else None,
    )


def _demo_grant_month(group: Group, wanted: int, today: date, admin: User | None, rng: random.Random) -> int:
    """The month of the group's latest handed-over grant, creating one (through the ledger rules) if none."""
    from kube.ledger import operations as ledger

    existing = db.session.scalar(
        select(Grant.handover_date).where(Grant.group_id == group.id, Grant.status == "handed_over",
                                          Grant.program == "KUBE").order_by(Grant.handover_date.desc())
    )
    if existing is not None:
        return month_index(existing)
    maker = group.officer or db.session.scalar(select(User).where(User.role == OFFICER).order_by(User.id))
    checker = admin if admin is not None and maker is not None and admin.id != maker.id else None
    if maker is None or checker is None or group.ketua is None:
        return wanted  # no one to record or approve it: the reports alone still show the pattern
    handover = from_month_index(wanted).replace(day=rng.randint(5, 25))
    year = handover.year
    if db.session.scalar(select(Budget.id).where(Budget.program == "KUBE", Budget.year == year)) is None:
        ledger.create_budget("KUBE", year, 500_000_000, "APBD", checker, note="Anggaran demo")
    grant = ledger.create_grant("KUBE", year, group, DEMO_GRANT_LINES, maker, note="Bantuan demo: tenda dan kursi")
    ledger.submit_grant(grant, maker)
    approved_on = handover - timedelta(days=14)
    ledger.approve_grant(grant, checker, today=approved_on,
                         override_reason="Demo: peralatan tambahan setelah kunjungan lapangan")
    # The demo replays history: the approval happened two weeks before the handover, not now.
    grant.approved_at = datetime.combine(approved_on, datetime.min.time(), tzinfo=timezone.utc)
    ledger.handover_grant(grant, handover, group.ketua, maker, today=today)
    return month_index(handover)
