"""User accounts, roles and hashed API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from kube.groups.models import Group

from kube.auth.roles import LEADER, ROLES
from kube.core.clock import utc_now
from kube.extensions import db


class User(UserMixin, db.Model):
    """A person who logs in: administrator, program officer, group leader or viewer."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        CheckConstraint("locale IN ('id', 'en')", name="locale_known"),
        CheckConstraint(f"role = '{LEADER}' OR group_id IS NULL", name="only_leaders_have_group"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    #: Nomor Induk Pegawai, the civil-servant id printed on letters.
    nip: Mapped[str | None] = mapped_column(String(32))
    #: Jabatan (position) printed on letters, e.g. "Pendamping Kube".
    position: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(5), default="id")
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Bumped on password change or deactivation so every old session ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_login_at: Mapped[datetime | None]
    #: For a leader: the one group whose data they may see and edit.
    # use_alter: users and groups refer to each other (a group's officer is a user).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", use_alter=True), index=True)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")
    group: Mapped["Group | None"] = relationship(foreign_keys=[group_id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
