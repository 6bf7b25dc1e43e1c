"""The audit log: who changed what, when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kube.core.clock import utc_now
from kube.extensions import db


class AuditEntry(db.Model):
    """One state change: who did it, when, what action on which object, and a summary."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Kept as text so the entry stays readable if the account is renamed.
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    object_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")


class PersonalDataAccess(db.Model):
    """One showing of full NIKs or No. KKs to a user (UU PDP): who, when, on which page or route, of whom.

    A page or API answer about people lists them in `subjects`; an export names itself in
    `export` (its filters) instead, since it may hold thousands of people.
    """

    __tablename__ = "personal_data_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Kept as text so the record stays readable if the account is renamed.
    username: Mapped[str | None] = mapped_column(String(64))
    #: What was shown, a code of `kube.audit.labels.ACCESS_KIND_LABELS` (e.g. `group_page`, `letter_pdf`).
    kind: Mapped[str] = mapped_column(String(32), index=True)
    #: The method and path that showed it, e.g. `GET /groups/12`.
    route: Mapped[str] = mapped_column(String(300))
    #: For an export: its file and filters; empty otherwise.
    export: Mapped[str] = mapped_column(String(500), default="")
    subjects: Mapped[list[PersonalDataAccessSubject]] = relationship(
        back_populates="access", cascade="all, delete-orphan", lazy="selectin")


class PersonalDataAccessSubject(db.Model):
    """One membership whose full NIK or No. KK an access showed."""

    __tablename__ = "personal_data_access_subjects"

    access_id: Mapped[int] = mapped_column(ForeignKey("personal_data_accesses.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True, index=True)
    access: Mapped[PersonalDataAccess] = relationship(back_populates="subjects")
    member: Mapped["Member"] = relationship(lazy="joined")  # noqa: F821  (kube.groups.models)
