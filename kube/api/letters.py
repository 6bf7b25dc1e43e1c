"""API: a grant's letter as the stored PDF, and the public verification of a letter by its token."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from kube.api.access import ApiBlueprint, api_access
from kube.api.ledger_schemas import GrantLineSchema
from kube.api.schemas import ApiErrorSchema
from kube.auth.roles import can_log_in
from kube.auth.permissions import public
from kube.core.errors import NotFound
from kube.ledger import letters
from kube.ledger.access import pdf_response, visible_grant
from kube.ledger.models import PROGRAMS

blp = ApiBlueprint("api_letters", __name__, url_prefix="/api/v1", description="Grant letters and verification")


class LetterOfficeSchema(Schema):
    """The office that issued the letter."""

    government = fields.String(required=True)
    name = fields.String(required=True)


class LetterGroupSchema(Schema):
    """The receiving group and where it is (no member's data)."""

    name = fields.String(required=True)
    code = fields.String(required=True)
    kelurahan = fields.String(required=True)
    kecamatan = fields.String(required=True)


class ReplacementSchema(Schema):
    """The letter that replaced this one."""

    number = fields.String(required=True)
    date = fields.Date(required=True)
    verify_url = fields.String(required=True)


class LetterVerificationSchema(Schema):
    """What anyone holding a letter may check: never a NIK or a member's personal data."""

    number = fields.String(required=True, metadata={"example": "460/001/BAST-Dinsos/VIII/2025"})
    date = fields.Date(required=True, metadata={"description": "The handover day the letter states"})
    status = fields.String(required=True, validate=validate.OneOf(("valid", "replaced")))
    program = fields.String(required=True, validate=validate.OneOf(PROGRAMS))
    budget_year = fields.Integer(required=True)
    office = fields.Nested(LetterOfficeSchema, required=True)
    group = fields.Nested(LetterGroupSchema, required=True)
    items = fields.List(fields.Nested(GrantLineSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "Whole Rupiah"})
    total_in_words = fields.String(required=True, metadata={"example": "tujuh belas juta lima ratus ribu rupiah"})
    sha256 = fields.String(required=True, metadata={"description": "Hex SHA-256 of the issued PDF"})
    verify_url = fields.String(required=True)
    replaces = fields.String(required=True, allow_none=True, metadata={"description": "Number of the letter this one corrects"})
    replaced_by = fields.Nested(ReplacementSchema, required=True, allow_none=True)
    scanned = fields.Boolean(required=True, metadata={
        "description": "True for a scan of a paper letter issued before Kube went live: Kube keeps the file "
                       "as uploaded (sha256 is the scan's), it did not write it"})
    archive_note = fields.String(required=True, allow_none=True, metadata={
        "description": "For a scan, a sentence saying so (in the reader's language); null for letters Kube issued"})


PDF_RESPONSE = {
    "description": "The letter in force, byte for byte as issued; the ETag is its SHA-256",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    "headers": {
        "ETag": {"description": "Quoted hex SHA-256 of the PDF", "schema": {"type": "string"}},
        "X-Letter-Number": {"description": "The letter's number", "schema": {"type": "string"}},
    },
}


@blp.route("/grants/<int:grant_id>/letter.pdf", methods=["GET"])
@api_access(blp, can_log_in)
@blp.doc(responses={"200": PDF_RESPONSE})
@blp.alt_response(404, schema=ApiErrorSchema,
                  description="No such grant, no letter yet (not handed over), or (for a leader) not their group")
def get_grant_letter(grant_id):
    """Download a grant's letter (application/pdf); a leader only their own group's."""
    letter = letters.current_letter(visible_grant(grant_id).id)
    if letter is None:
        raise NotFound(_("Bantuan ini belum memiliki berita acara (belum diserahterimakan)."))
    return pdf_response(letter)


def _with_dates(facts: dict) -> dict:
    """The stored facts keep dates as ISO text; the schema dumps dates."""
    result = dict(facts, date=date.fromisoformat(facts["date"]))
    if facts.get("replaced_by"):
        result["replaced_by"] = dict(facts["replaced_by"], date=date.fromisoformat(facts["replaced_by"]["date"]))
    return result


@blp.route("/verify/<token>", methods=["GET"])
@public
@blp.response(200, LetterVerificationSchema, description="The letter's public facts and whether it is still in force")
@blp.alt_response(404, schema=ApiErrorSchema, description="No letter has this verification token")
def verify_letter(token):
    """Check a letter by the token printed on it (public, no token needed): its facts and whether it is in force."""
    letter = letters.letter_for_token(token)
    if letter is None:
        raise NotFound(_("Berita acara dengan alamat pemeriksaan ini tidak ditemukan."))
    return _with_dates(letters.verification_facts(letter))
