"""Officers' follow-up on flagged groups: visits, training, mentoring and notes, with their state."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
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
