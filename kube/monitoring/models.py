"""Officers' follow-up on flagged groups (visits, training, mentoring and notes, with their state), the stored
current flags and the flags' cases."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Double, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kube.core.clock import utc_now
from kube.extensions import db

if TYPE_CHECKING:
    from kube.auth.models import User
    from kube.groups.models import Group

FLAG_KINDS = ("not_improving", "no_gain_after_grant", "missing_reports", "below_extreme_poverty")
ACTIONS = ("kunjungan", "pelatihan", "pendampingan", "catatan")
STATES = ("open", "in_progress", "resolved")


class FollowUp(db.Model):
    """One action an officer took on a group's flag; the history stays with the group."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(f"flag_kind IN {FLAG_KINDS!r}", name="flag_kind_known"),
        CheckConstraint(f"action IN {ACTIONS!r}", name="action_known"),
        CheckConstraint(f"state IN {STATES!r}", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    flag_kind: Mapped[str] = mapped_column(String(24))
    #: The as-of month of the flag being followed up (first day of the month).
    flag_period: Mapped[date]
    action: Mapped[str] = mapped_column(String(16))
    action_date: Mapped[date]
    note: Mapped[str] = mapped_column(String(1000), default="")
    #: The flag's state after this action.
    state: Mapped[str] = mapped_column(String(12), default="open")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    group: Mapped["Group"] = relationship()
    officer: Mapped["User | None"] = relationship()


class CurrentFlag(db.Model):
    """A flag a group carries at the current as-of month, kept current by kube.monitoring.stored.

    Exactly what `trends.Flag` carries (the reason is said from `details`), plus `opened`: the
    first month of the flag's current unbroken run.
    """

    __tablename__ = "current_flags"
    __table_args__ = (
        # Also the index on group_id: it leads.
        UniqueConstraint("group_id", "kind"),
        CheckConstraint(f"kind IN {FLAG_KINDS!r}", name="kind_known"),
        CheckConstraint("opened <= as_of", name="opened_by_as_of"),
        # Flags lists walk it, most serious first, and stop after their page.
        Index("ix_current_flags_severity", "severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    kind: Mapped[str] = mapped_column(String(24))
    #: The as-of month (first day), the same for every row: the month of the last refresh.
    as_of: Mapped[date]
    #: First day of the first month of the current unbroken run of this flag on this group.
    opened: Mapped[date]
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Larger is more serious; the flags list sorts by it, as `trends.evaluate_groups` does.
    severity: Mapped[float] = mapped_column(Double)


class FlagRefresh(db.Model):
    """The one row saying which month, due date and settings the stored flags are for, and the last full refresh."""

    __tablename__ = "flag_refreshes"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The as-of month (first day) of the stored flags.
    as_of: Mapped[date]
    #: First day of the latest month whose missing report counts (the report due date passed), at most as_of.
    overdue_through: Mapped[date]
    #: A digest of the flag settings and counted grant programs the flags were computed with.
    settings_key: Mapped[str] = mapped_column(String(64))
    #: When every group was last recomputed (UTC).
    refreshed_at: Mapped[datetime] = mapped_column(default=utc_now)


class FlagCase(db.Model):
    """A case: one unbroken run of a flag kind on a group, kept by kube.monitoring.stored.

    Follow-ups belong to a case by group, kind and flag month (`FollowUp.flag_period` from `opened`
    up to the month before `closed`): they are never copied here, so nothing can disagree.
    """

    __tablename__ = "flag_cases"
    __table_args__ = (
        # Also the index on group_id: it leads.
        UniqueConstraint("group_id", "kind", "opened"),
        CheckConstraint(f"kind IN {FLAG_KINDS!r}", name="kind_known"),
        CheckConstraint("closed IS NULL OR closed > opened", name="closed_after_opened"),
        CheckConstraint("(closed IS NULL) = (months_open IS NULL)", name="months_open_when_closed"),
        # The full refresh reads the cases still open or closed lately; the dashboard counts them.
        Index("ix_flag_cases_closed", "closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    kind: Mapped[str] = mapped_column(String(24))
    #: First day of the first month the flag held.
    opened: Mapped[date]
    #: First day of the first month it no longer held; None while it still holds (the case is open).
    closed: Mapped[date | None]
    #: Months from opened to closed (None while open), so "closed within n months" is a plain comparison in SQL.
    months_open: Mapped[int | None]


class FlagStaleGroup(db.Model):
    """A group whose data changed while the stored flags were off today's basis: the next full refresh rebuilds
    its cases from scratch instead of only adding the new months."""

    __tablename__ = "flag_stale_groups"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)


class FlagCount(db.Model):
    """How many stored flags there are of each kind, kept with them so a flags list counts in constant time."""

    __tablename__ = "flag_counts"
    __table_args__ = (CheckConstraint(f"kind IN {FLAG_KINDS!r}", name="kind_known"),
                      CheckConstraint("count >= 0", name="count_not_negative"))

    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int]


# -- the dashboard's running totals (kube.monitoring.tallies) ---------------------------------------
# Derived rows, rebuilt from the groups' own at the first full refresh: no foreign keys to check.

class TallyGroup(db.Model):
    """What one group last added to the dashboard's totals: its kecamatan, state, formation and members."""

    __tablename__ = "tally_groups"

    group_id: Mapped[int] = mapped_column(primary_key=True)
    kecamatan_code: Mapped[str] = mapped_column(String(13))
    active: Mapped[bool]
    #: Month index (kube.core.periods.month_index) of the formation date.
    formed: Mapped[int]
    #: Current members (not left).
    members: Mapped[int]


class TallyReport(db.Model):
    """One report as last added to the dashboard's totals (month index, net, office day it was first sent)."""

    __tablename__ = "tally_reports"

    group_id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[int] = mapped_column(primary_key=True)
    net: Mapped[int] = mapped_column(BigInteger)
    #: date.toordinal() of the office day of first submission (on time when at most the due date's).
    sent_on: Mapped[int]


class TallyGrant(db.Model):
    """One handed-over grant as last added to the dashboard's totals."""

    __tablename__ = "tally_grants"

    group_id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    total: Mapped[int] = mapped_column(BigInteger)


class DashboardTally(db.Model):
    """A running total of the dashboard: a measure per kecamatan (or '' for the city), month and day."""

    __tablename__ = "dashboard_tallies"

    kecamatan_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    measure: Mapped[str] = mapped_column(String(12), primary_key=True)
    #: A month index, a year or 0, by measure (see kube.monitoring.tallies).
    month: Mapped[int] = mapped_column(primary_key=True)
    #: A day ordinal, a number of months or 0, by measure.
    day: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class NetTally(db.Model):
    """How many counted reports of a month have their net in one bucket of one level of a 100-ary tree over nets.

    Level 0 buckets are single Rupiah values, level 1 hundreds, and so on: the median is found by
    walking down from the top, reading at most a hundred rows a level (kube.monitoring.tallies).
    """

    __tablename__ = "net_tallies"

    month: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int]
