"""API: who was shown a person's full NIK or No. KK (UU PDP), for administrators."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields
from sqlalchemy import func, select

from kube.api.access import ApiBlueprint, api_access
from kube.api.fields import PageArgsSchema
from kube.api.paging import PAGINATION_HEADER, one_page, pagination_header
from kube.api.schemas import ApiErrorSchema
from kube.audit.labels import access_kind
from kube.audit.operations import accesses_to_person
from kube.auth.roles import can_read_audit_log
from kube.extensions import db
from kube.groups.access import get_member_or_404

blp = ApiBlueprint("api_privacy", __name__, url_prefix="/api/v1", description="Personal data: who saw a full NIK")


class AccessSchema(Schema):
    """One showing of the person's full NIK or No. KK."""

    user = fields.String(required=True, attribute="username", allow_none=True,
                         metadata={"description": "The account's username (null for a command)"})
    at = fields.DateTime(required=True, metadata={"example": "2026-11-30T03:14:15+00:00"})
    what = fields.Method("_what", required=True, metadata={"example": "Halaman kelompok (NIK anggota)"})
    kind = fields.String(required=True, metadata={
        "description": "group_page, member_list, member_form, group_export, member_export, letter_pdf, "
                       "api_members or person_report"})
    route = fields.String(required=True, metadata={"example": "GET /groups/12"})

    def _what(self, access) -> str:
        return access_kind(access.kind)


class AccessLogSchema(Schema):
    """The person's accesses, newest first (one page)."""

    items = fields.List(fields.Nested(AccessSchema), required=True)


@blp.route("/members/<int:member_id>/access-log", methods=["GET"])
@api_access(blp, can_read_audit_log)
@blp.arguments(PageArgsSchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.response(200, AccessLogSchema, headers={"X-Pagination": PAGINATION_HEADER},
              description="Every showing of the full NIK or No. KK of this member's person (any of their "
                          "memberships, matched by NIK), newest first. Page metadata in X-Pagination.")
@blp.alt_response(404, schema=ApiErrorSchema, description="No such member")
def member_access_log(args, member_id):
    """Who was shown this person's full NIK or No. KK, when, and on which page or route."""
    statement = accesses_to_person(get_member_or_404(member_id).nik)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = db.session.scalars(one_page(statement, args)).all()
    return {"items": items}, pagination_header(blp, args, total)
