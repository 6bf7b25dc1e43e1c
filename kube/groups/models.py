"""Regions of Kota Serang, Kube groups, their status history and members."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kube.core.clock import utc_now
from kube.extensions import db

if TYPE_CHECKING:
    from kube.auth.models import User


class Region(db.Model):
    """A kecamatan or kelurahan, keyed by its Kemendagri code (names repeat: Sukawana)."""

    __tablename__ = "regions"
    __table_args__ = (CheckConstraint("level IN ('kecamatan', 'kelurahan')", name="level_known"),)

    #: e.g. "36.73.04" for a kecamatan, "36.73.04.1007" for a kelurahan.
    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(10))
    #: The kecamatan of a kelurahan; "36.73" (the city, not stored) for a kecamatan.
    parent_code: Mapped[str] = mapped_column(String(13), index=True)

    kelurahan: Mapped[list[Region]] = relationship(
        primaryjoin="Region.code == foreign(Region.parent_code)",
        order_by="Region.code",
        viewonly=True,
    )

    @property
    def kecamatan_code(self) -> str:
        """The kecamatan this region belongs to (itself for a kecamatan)."""
        return self.code if self.level == "kecamatan" else self.parent_code


GROUP_STATUSES = ("proposed", "active", "graduated", "dissolved", "rejected")
MEMBER_ROLES = ("ketua", "sekretaris", "bendahara", "anggota")
#: Roles a group may hold only once among its current members.
SINGLE_ROLES = ("ketua", "sekretaris", "bendahara")


class Group(db.Model):
    """A Kube (Kelompok Usaha Bersama): a joint-business group of poor families."""

    __tablename__ = "groups"
    __table_args__ = (
        CheckConstraint(f"status IN {GROUP_STATUSES!r}", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. KUBE-3673-0001, derived from the id so two officers never get the same code.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    business_type: Mapped[str] = mapped_column(String(32), index=True)
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    formed_on: Mapped[date]
    #: The pendamping (field officer) who looks after the group.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    bank_name: Mapped[str | None] = mapped_column(String(60))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="proposed", index=True)
    #: Set when the group first receives a Kube grant; its members may not join another Kube.
    kube_grant_received_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    kelurahan: Mapped[Region] = relationship()
    officer: Mapped["User | None"] = relationship(foreign_keys=[officer_id])
    members: Mapped[list[Member]] = relationship(back_populates="group", order_by="Member.id")
    status_changes: Mapped[list[GroupStatusChange]] = relationship(
        back_populates="group", order_by="GroupStatusChange.id"
    )

    @property
    def current_members(self) -> list[Member]:
        """Members who have not left."""
        return [m for m in self.members if m.left_on is None]

    @property
    def ketua(self) -> Member | None:
        """The current chair, if any."""
        return next((m for m in self.current_members if m.role == "ketua"), None)

    def __repr__(self) -> str:
        return f"<Group {self.code} {self.status}>"


class GroupStatusChange(db.Model):
    """One step in a group's status history."""

    __tablename__ = "group_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(default=utc_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")

    group: Mapped[Group] = relationship(back_populates="status_changes")
    user: Mapped["User | None"] = relationship()


class Member(db.Model):
    """A family head's membership of a group; leaving sets `left_on`, never deletes."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("length(nik) = 16", name="nik_length"),
        CheckConstraint("length(kk) = 16", name="kk_length"),
        CheckConstraint("sex IN ('L', 'P')", name="sex_known"),
        # The NIK's day field carries +40 for women, so the stored sex must agree with it.
        CheckConstraint(
            "sex = CASE WHEN CAST(substr(nik, 7, 2) AS INTEGER) > 40 THEN 'P' ELSE 'L' END",
            name="sex_matches_nik",
        ),
        CheckConstraint(f"role IN {MEMBER_ROLES!r}", name="role_known"),
        CheckConstraint("decile IS NULL OR (decile BETWEEN 1 AND 10)", name="decile_range"),
        CheckConstraint("household_size >= 1 AND household_size <= 30", name="household_size_range"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        CheckConstraint(
            "prior_kube_override IS NULL OR length(prior_kube_override) > 0", name="override_has_reason"
        ),
        # One current membership per person, in any group.
        Index("uq_members_active_nik", "nik", unique=True,
              sqlite_where=text("left_on IS NULL"), postgresql_where=text("left_on IS NULL")),
        # One family card per group among current members.
        Index("uq_members_group_active_kk", "group_id", "kk", unique=True,
              sqlite_where=text("left_on IS NULL"), postgresql_where=text("left_on IS NULL")),
        # At most one ketua, sekretaris and bendahara among current members.
        Index("uq_members_group_single_role", "group_id", "role", unique=True,
              sqlite_where=text("left_on IS NULL AND role <> 'anggota'"),
              postgresql_where=text("left_on IS NULL AND role <> 'anggota'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16), index=True)
    kk: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date]
    address: Mapped[str] = mapped_column(String(255), default="")
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    phone: Mapped[str | None] = mapped_column(String(20))
    household_size: Mapped[int] = mapped_column(default=1)
    #: DTKS/DTSEN welfare decile (1 = poorest tenth) and the date of that data.
    decile: Mapped[int | None]
    decile_as_of: Mapped[date | None]
    extreme_poor: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str] = mapped_column(String(12), default="anggota")
    joined_on: Mapped[date]
    left_on: Mapped[date | None]
    #: Why an officer admitted someone who was already in a Kube that received a grant.
    prior_kube_override: Mapped[str | None] = mapped_column(String(500))
    #: The officer confirmed an age outside 18-60 when registering.
    age_confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    group: Mapped[Group] = relationship(back_populates="members")
    kelurahan: Mapped[Region] = relationship()

    def __repr__(self) -> str:
        return f"<Member {self.name} {self.role} of {self.group_id}>"

