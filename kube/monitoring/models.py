"""Officers' follow-up on flagged groups (visits, training, mentoring and notes, with their state), and the stored
current flags."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Double, ForeignKey, String, UniqueConstraint
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
