"""API: grants handed over before go-live (recorded from the archive) and scans of their paper letters.

Administrators only. Recording a historical grant moves money in the ledger, so it honours an
Idempotency-Key like the other grant routes; a scan is stored once, so a repeated PUT is refused.
"""
from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from marshmallow import Schema, fields

from kube.api.access import ApiBlueprint, api_access, current_actor, error_documenter
from kube.api.idempotency import idempotent
from kube.api.ledger import named_or_422
from kube.api.ledger_schemas import GrantSchema, HistoricalGrantCreateSchema
from kube.api.schemas import ApiErrorSchema
from kube.auth.roles import can_record_history
from kube.core.transaction import transactional
from kube.groups.models import Group, Member
from kube.ledger import history, letters
from kube.ledger.access import visible_grant

blp = ApiBlueprint("api_history", __name__, url_prefix="/api/v1",
                   description="Grants handed over before Kube went live, and scans of their letters")

_errors = error_documenter(blp, {
    400: "Malformed JSON body",
    404: "No such grant",
    409: "Refused (see the code)",
    413: "payload_too_large: the scan is larger than 10 MB",
    415: "unsupported_media_type: the body is not sent as application/pdf",
})
_INVALID_FIELDS = ("validation_error: invalid fields, one message list per field: approved_on or handover_date "
                   "(approved_on <= handover_date < the go-live day, neither before the group formed), year (no "
                   "budget for that program and year), member_id, received_by_member_id, lines.N.*, letter_number")

SCAN_BODY = {
    "required": True,
    "description": "The scanned paper letter, a PDF of at most 10 MB, sent as the raw body",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}


class LetterScanSchema(Schema):
    """A scan kept for a historical grant: its number, hash and public verification address."""

    grant_id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"example": "460/741/BAST-Dinsos/III/2025"})
    letter_date = fields.Date(required=True, metadata={"description": "The handover day on the paper letter"})
    scanned = fields.Boolean(required=True, metadata={"description": "Always true: a scan, not a letter Kube wrote"})
    size = fields.Integer(required=True, metadata={"description": "Bytes"})
    sha256 = fields.String(required=True, metadata={"description": "Hex SHA-256 of the stored bytes"})
    verify_url = fields.String(required=True)


@blp.route("/grants/historical", methods=["POST"])
@api_access(blp, can_record_history)
@idempotent(blp, also_422=_INVALID_FIELDS)
@blp.arguments(HistoricalGrantCreateSchema)
@blp.response(201, GrantSchema, description="The grant, handed over, with `historical: true`")
@_errors(400, 409, e409="duplicate_letter_number: the number is already a grant's or a letter's, or its "
                        "(year, seq) is taken; budget_exceeded: the budget has too little left; "
                        "invalid_transition: the group's proposal was rejected")
def create_historical_grant(values):
    """Record a grant approved and handed over before go-live; ledger entries carry the archive's dates."""
    message = _("Anggota tidak ditemukan.")
    return history.record_historical_grant(
        program=values["program"], year=values["year"],
        group=named_or_422(Group, values["group_id"], "group_id", _("Kelompok tidak ditemukan.")),
        lines=values["lines"], approved_on=values["approved_on"], handover_date=values["handover_date"],
        letter_number=values["letter_number"],
        received_by=named_or_422(Member, values["received_by_member_id"], "received_by_member_id", message),
        actor=current_actor(), member=named_or_422(Member, values["member_id"], "member_id", message),
        note=values["note"],
    )


@blp.route("/grants/<int:grant_id>/letter.pdf", methods=["PUT"])
@api_access(blp, can_record_history)
@transactional
@blp.doc(requestBody=SCAN_BODY)
@blp.response(201, LetterScanSchema, description="Kept, byte for byte; GET on the same address serves it")
@_errors(404, 409, 413, 415,
         e409="invalid_transition: not a historical grant; conflict: a scan is already kept (never replaced)")
@blp.alt_response(422, schema=ApiErrorSchema, description="validation_error: the body is not a readable PDF (field pdf)")
def upload_letter_scan(grant_id):
    """Keep the scan of a historical grant's paper letter (application/pdf, at most 10 MB)."""
    grant = visible_grant(grant_id)
    if request.mimetype != "application/pdf":
        abort(415)
    # Only this route takes bodies this large; the app's limit (member imports) stays as configured.
    request.max_content_length = history.SCAN_MAX_BYTES
    letter = history.attach_letter_scan(grant, request.get_data(cache=False), current_actor())
    return {"grant_id": grant.id, "number": letter.number, "letter_date": letter.letter_date, "scanned": True,
            "size": len(letter.pdf), "sha256": letter.sha256, "verify_url": letters.verification_url(letter.token)}
