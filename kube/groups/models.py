"""Regions of Kota Serang and, later, the groups and members registered in them."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kube.extensions import db


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
