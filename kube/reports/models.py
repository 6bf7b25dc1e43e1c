"""A group's monthly income report: revenue, expenses and the members who worked that month."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kube.core.clock import utc_now
from kube.extensions import db

if TYPE_CHECKING:
    from kube.auth.models import User
    from kube.groups.models import Group


class IncomeReport(db.Model):
    """A group's revenue and expenses for one month, reported by its leader (or an officer for them)."""

    __tablename__ = "income_reports"
    __table_args__ = (
        UniqueConstraint("group_id", "period"),
        CheckConstraint("revenue >= 0 AND revenue <= 1000000000", name="revenue_range"),
        CheckConstraint("expenses >= 0 AND expenses <= 1000000000", name="expenses_range"),
        CheckConstraint("net = revenue - expenses", name="net_is_difference"),
        CheckConstraint("active_members >= 0", name="members_not_negative"),
        # A month's reports by group, read from the index alone: the inbox's missing reports, the discipline grid.
        Index("ix_income_reports_period_group_id", "period", "group_id"),
        # The few reports still waiting for an officer, so the inbox counts them without reading every report.
        Index("ix_income_reports_awaiting_verification", "group_id", sqlite_where=text("verified_at IS NULL"),
              postgresql_where=text("verified_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    #: The month reported, as its first day (a period YYYY-MM).
    period: Mapped[date]
    #: Omzet and biaya in whole Rupiah; net may be negative (a loss).
    revenue: Mapped[int] = mapped_column(BigInteger)
    expenses: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    active_members: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    #: The person asked "Apakah angka ini sudah benar?" and said yes.
    confirmed_unusual: Mapped[bool] = mapped_column(default=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: An officer typed it in for the leader.
    entered_on_behalf: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    #: Imported from the office's records of the months before Kube went live, not reported through Kube.
    historical: Mapped[bool] = mapped_column(default=False, server_default=false())

    group: Mapped["Group"] = relationship()
    submitted_by: Mapped["User | None"] = relationship(foreign_keys=[submitted_by_id])
    verified_by: Mapped["User | None"] = relationship(foreign_keys=[verified_by_id])
