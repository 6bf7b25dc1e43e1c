"""API: everything Kube holds about one person, by NIK (a data subject's request under UU PDP), for administrators."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields

from kube.api.access import ApiBlueprint, api_access, current_actor
from kube.api.privacy import AccessSchema
from kube.api.schemas import ApiErrorSchema
from kube.auth.roles import can_read_audit_log
from kube.core.errors import NotFound
from kube.core.identity import IdentityError
from kube.core.transaction import committed
from kube.groups.operations import identity_message
from kube.privacy.report import checked_nik, person_report, record_person_report

blp = ApiBlueprint("api_people", __name__, url_prefix="/api/v1", description="Personal data: what Kube holds on a person")


class MembershipSchema(Schema):
    """One membership with every personal field stored with it, unmasked."""

    member_id = fields.Integer(required=True)
    group_id = fields.Integer(required=True)
    group_code = fields.String(required=True, metadata={"example": "KUBE-3673-0001"})
    group_name = fields.String(required=True)
    group_status = fields.String(required=True)
    group_kelurahan = fields.String(required=True)
    group_kecamatan = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "ketua, sekretaris, bendahara or anggota"})
    joined_on = fields.Date(required=True)
    left_on = fields.Date(required=True, allow_none=True)
    nik = fields.String(required=True)
    kk = fields.String(required=True)
    name = fields.String(required=True)
    sex = fields.String(required=True, metadata={"description": "L or P"})
    birth_date = fields.Date(required=True)
    address = fields.String(required=True)
    kelurahan = fields.String(required=True, metadata={"description": "Kelurahan of residence"})
    kecamatan = fields.String(required=True, metadata={"description": "Kecamatan of residence"})
    phone = fields.String(required=True, allow_none=True)
    household_size = fields.Integer(required=True)
    decile = fields.Integer(required=True, allow_none=True, metadata={"description": "DTKS/DTSEN welfare decile"})
    decile_as_of = fields.Date(required=True, allow_none=True)
    extreme_poor = fields.Boolean(required=True)
    prior_kube_override = fields.String(required=True, allow_none=True)
    age_confirmed = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class PersonLetterSchema(Schema):
    """A grant's letter and how it names the person."""

    number = fields.String(required=True, metadata={"example": "460/001/BAST-Dinsos/VIII/2025"})
    letter_date = fields.Date(required=True)
    sha256 = fields.String(required=True)
    in_force = fields.Boolean(required=True, metadata={"description": "False once a corrected letter replaced it"})
    named_as_receiver = fields.Boolean(required=True, metadata={
        "description": "The person signs it as the receiver, with their full NIK"})
    listed_as_member = fields.Boolean(required=True, metadata={
        "description": "The person is in its member list (masked NIK)"})


class PersonGrantSchema(Schema):
    """A KUBE grant to one of the person's groups, or a grant to the person."""

    grant_id = fields.Integer(required=True)
    program = fields.String(required=True, metadata={"description": "KUBE or UEP"})
    year = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Whole Rupiah"})
    status = fields.String(required=True)
    handover_date = fields.Date(required=True, allow_none=True)
    group_code = fields.String(required=True)
    group_name = fields.String(required=True)
    to_person = fields.Boolean(required=True, metadata={"description": "A UEP grant to this person"})
    letters = fields.List(fields.Nested(PersonLetterSchema), required=True)


class SignedReportSchema(Schema):
    """A group's income report for a month the person was its ketua."""

    group_code = fields.String(required=True)
    period = fields.Method("_period", required=True, metadata={"example": "2025-10"})
    revenue = fields.Integer(required=True)
    expenses = fields.Integer(required=True)
    net = fields.Integer(required=True)
    active_members = fields.Integer(required=True)
    submitted_at = fields.DateTime(required=True)
    submitted_by = fields.String(required=True, allow_none=True, metadata={"description": "The sending account"})
    entered_on_behalf = fields.Boolean(required=True, metadata={"description": "Entered by an officer from paper"})
    verified = fields.Boolean(required=True)

    def _period(self, report) -> str:
        return f"{report.period:%Y-%m}"


class RecordedChangeSchema(Schema):
    """An audit entry about one of the person's memberships."""

    at = fields.DateTime(required=True)
    user = fields.String(required=True, attribute="username", allow_none=True)
    action = fields.String(required=True, metadata={"example": "member.update"})
    member_id = fields.Integer(required=True)
    summary = fields.String(required=True)


class PersonReportSchema(Schema):
    """Everything Kube holds about the person with one NIK."""

    nik = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "The name on the latest membership"})
    generated_at = fields.DateTime(required=True)
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)
    roles = fields.List(fields.String(), required=True, metadata={"description": "Every role held"})
    grants = fields.List(fields.Nested(PersonGrantSchema), required=True)
    reports = fields.List(fields.Nested(SignedReportSchema), required=True, metadata={
        "description": "Income reports of the months the person was the reporting group's ketua, oldest first"})
    changes = fields.List(fields.Nested(RecordedChangeSchema), required=True)
    accesses = fields.List(fields.Nested(AccessSchema), required=True, metadata={
        "description": "Showings of the full NIK or No. KK before this request, newest first"})


@blp.route("/people/<nik>/report", methods=["GET"])
@api_access(blp, can_read_audit_log)
@blp.response(200, PersonReportSchema, description=(
    "Memberships (every stored personal field), roles, grants with their letters, the income reports of the "
    "months they were ketua, recorded changes and the showings of the full NIK. User accounts are not linked to "
    "people (a leader's account belongs to a group), so no account is attributed to a person. The request is audited (`person.report`) and "
    "recorded as a showing of the person's full NIK."))
@blp.alt_response(404, schema=ApiErrorSchema, description=(
    "Not a NIK (anything but 16 digits once spaces, dots and dashes are removed), or Kube holds nothing under "
    "it; the second is audited too"))
def person_report_api(nik):
    """Everything Kube holds about the person with this NIK, for a data subject's request."""
    try:
        nik = checked_nik(nik)[0]
    except IdentityError as error:
        raise NotFound(identity_message(error)) from None
    report = person_report(nik)
    with committed():
        record_person_report(nik, report, "api", actor=current_actor())
    if report is None:
        raise NotFound(_("Kube tidak menyimpan data apa pun untuk NIK ini."))
    return report
