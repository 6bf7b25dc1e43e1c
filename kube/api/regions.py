"""API: the kecamatan and kelurahan of Kota Serang."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kube.api.access import ApiBlueprint, api_access
from kube.api.schemas import KecamatanSchema
from kube.auth.roles import can_log_in
from kube.extensions import db
from kube.groups.models import Region

blp = ApiBlueprint("api_regions", __name__, url_prefix="/api/v1/regions", description="Regions")


@blp.route("", methods=["GET"])
@api_access(blp, can_log_in)
@blp.response(200, KecamatanSchema(many=True))
def list_regions():
    """Kecamatan of Kota Serang with their kelurahan, by Kemendagri code."""
    return db.session.scalars(
        select(Region).where(Region.level == "kecamatan").order_by(Region.code)
        .options(selectinload(Region.kelurahan))
    ).all()
