"""API: monthly income reports (the same operations as the report pages)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask_babel import gettext as _
from marshmallow import RAISE, Schema, fields
from sqlalchemy import func, select

from kube.api.access import ApiBlueprint, api_access, current_actor, error_documenter
from kube.api.fields import InputSchema, PageArgsSchema, RupiahAmount, Text, WholeNumber, length, number_range
from kube.api.idempotency import idempotent
from kube.api.paging import PAGINATION_HEADER, one_page, pagination_header
from kube.auth.roles import can_log_in, can_report, can_verify_reports
from kube.core.database import MAX_ID
from kube.core.errors import ValidationFailed
from kube.core.periods import format_period, parse_period
from kube.core.transaction import transactional
from kube.extensions import db
from kube.groups.access import get_group_or_404
from kube.reports import operations, queries
from kube.reports.models import IncomeReport
from kube.reports.schedule import is_on_time

blp = ApiBlueprint("api_reports", __name__, url_prefix="/api/v1", description="Monthly income reports")

PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON body",
    404: "No such group or report, or (for a leader) not their own group",
    409: "Refused: report_verified (a leader changing a verified report), invalid_transition, or conflict",
    422: "validation_error (one message list per field: period, group, revenue, expenses, active_members, "
         "note, reason) or needs_confirmation (unusual values: repeat with \"confirmed\": true)",
}

def _period_parameter() -> dict:
    # A fresh dict per route: flask-smorest updates it in place while building the document.
    return {"in": "path", "name": "period", "required": True,
            "description": "The month reported, YYYY-MM",
            "schema": {"type": "string", "pattern": PERIOD_PATTERN, "example": "2025-06"}}


_errors = error_documenter(blp, _ERROR_DESCRIPTIONS)


# -- schemas ----------------------------------------------------------------------------------

class UtcDateTime(fields.DateTime):
    """A stored UTC timestamp, written with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class ReportInputSchema(InputSchema):
    """A month's report; `confirmed` accepts unusual values, `reason` explains changing a verified report."""

    # The documented maximum is REPORT_MAX_AMOUNT's default; the report rules read the configured one.
    revenue = RupiahAmount(required=True, metadata={"description": "Omzet in whole Rupiah", "maximum": 1_000_000_000})
    expenses = RupiahAmount(required=True, metadata={"description": "Biaya in whole Rupiah", "maximum": 1_000_000_000})
    active_members = fields.Raw(
        allow_none=True, load_default=None,
        metadata={"type": "integer", "minimum": 0, "nullable": True,
                  "description": "Members active that month; default: the group's current member count"})
    note = fields.String(allow_none=True, load_default="", metadata={"maxLength": operations.NOTE_MAX_LENGTH})
    confirmed = fields.Boolean(load_default=False,
                               metadata={"description": "Yes, the unusual values are right (see needs_confirmation)"})
    reason = fields.String(allow_none=True, load_default="",
                           metadata={"maxLength": operations.REASON_MAX_LENGTH,
                                     "description": "Why a verified report is changed (required then, officers only)"})


class IncomeReportSchema(Schema):
    """A group's report for one month."""

    id = fields.Integer(required=True)
    group_id = fields.Integer(required=True)
    period = fields.Function(lambda report: format_period(report.period), required=True,
                             metadata={"type": "string", "example": "2025-06", "pattern": PERIOD_PATTERN})
    revenue = fields.Integer(required=True)
    expenses = fields.Integer(required=True)
    net = fields.Integer(required=True, metadata={"description": "revenue - expenses; negative is a loss"})
    active_members = fields.Integer(required=True)
    note = fields.String(required=True)
    confirmed_unusual = fields.Boolean(required=True)
    entered_on_behalf = fields.Boolean(required=True, metadata={"description": "Entered by an officer for the leader"})
    submitted_by_id = fields.Integer(required=True, allow_none=True)
    submitted_at = UtcDateTime(required=True, metadata={"description": "First submission; decides on_time"})
    updated_at = UtcDateTime(required=True)
    on_time = fields.Method("_on_time", required=True, metadata={"type": "boolean"})
    verified = fields.Function(lambda report: report.verified_at is not None, required=True,
                               metadata={"type": "boolean"})
    verified_by_id = fields.Integer(required=True, allow_none=True)
    verified_at = UtcDateTime(required=True, allow_none=True)

    def _on_time(self, report: IncomeReport) -> bool:
        return is_on_time(report.submitted_at, report.period, queries.due_day())


class VerifyItemSchema(InputSchema):
    """One report to verify: its group and month."""

    group_id = WholeNumber(required=True, validate=number_range(1, MAX_ID))
    # Any text up to 32 characters: a malformed month is refused on its own item, not for the whole batch.
    period = Text(required=True, validate=length(maximum=32),
                  metadata={"description": "The month reported, YYYY-MM", "example": "2025-06"})


class VerifyManyInputSchema(InputSchema):
    """The reports to verify at once."""

    items = fields.List(fields.Nested(VerifyItemSchema), required=True,
                        metadata={"minItems": 1, "maxItems": operations.VERIFY_BATCH_MAX})


class VerifiedItemSchema(Schema):
    """A report verified by this call."""

    group_id = fields.Integer(required=True)
    period = fields.Function(lambda report: format_period(report.period), required=True,
                             metadata={"type": "string", "example": "2025-06", "pattern": PERIOD_PATTERN})


class RefusedItemSchema(Schema):
    """An item not verified, as it was sent, with why."""

    group_id = fields.Integer(required=True)
    period = fields.String(required=True, metadata={"description": "As sent"})
    code = fields.String(required=True, metadata={"enum": ["not_found", operations.ALREADY_VERIFIED,
                                                           "validation_error"]})
    message = fields.String(required=True)


class VerifyManySchema(Schema):
    """What a batch verification did, each list in the order the items were sent."""

    verified = fields.List(fields.Nested(VerifiedItemSchema), required=True)
    errors = fields.List(fields.Nested(RefusedItemSchema), required=True)


# -- helpers ----------------------------------------------------------------------------------

def _period(text: str) -> date:
    try:
        return parse_period(text)
    except ValueError:
        message = _("Periode harus berbentuk YYYY-MM, misalnya 2025-06.")
        raise ValidationFailed(message, fields={"period": [message]}) from None


# -- routes -----------------------------------------------------------------------------------

@blp.route("/groups/<int:group_id>/income-reports/<period>", methods=["PUT"], parameters=[_period_parameter()])
@api_access(blp, can_report)
@transactional
@blp.arguments(ReportInputSchema)
@blp.response(200, IncomeReportSchema, description="The month's report was replaced")
@blp.alt_response(201, schema=IncomeReportSchema, description="The month's report was created")
@_errors(400, 404, 409, 422)
def put_report(values, group_id, period):
    """Create (201) or replace (200) a group's report for a month that has ended.

    Officers and admins may enter it for the leader (recorded as such) and change a verified
    report with a `reason`; a leader may change their own group's report until it is verified.
    """
    group = get_group_or_404(group_id)
    month = _period(period)
    report, created = operations.submit_report(
        group, month, {name: values.get(name) for name in operations.REPORT_FIELDS},
        current_actor(), confirmed=values["confirmed"], reason=values.get("reason"),
    )
    return report, 201 if created else 200


@blp.route("/groups/<int:group_id>/income-reports", methods=["GET"])
@api_access(blp, can_log_in)
@blp.arguments(PageArgsSchema, location="query", as_kwargs=False, unknown=RAISE)
@blp.response(200, IncomeReportSchema(many=True), headers={"X-Pagination": PAGINATION_HEADER},
              description="Reports, newest month first; page metadata in X-Pagination")
@_errors(404)
def list_reports(args, group_id):
    """A group's reports (paginated with `page` and `per_page`, at most 200); a leader reads only their own."""
    group = get_group_or_404(group_id)
    total = db.session.scalar(select(func.count(IncomeReport.id)).where(IncomeReport.group_id == group.id))
    items = db.session.scalars(one_page(queries.report_history(group), args)).all()
    return items, pagination_header(blp, args, total)


@blp.route("/groups/<int:group_id>/income-reports/<period>/verify", methods=["POST"],
           parameters=[_period_parameter()])
@api_access(blp, can_verify_reports)
@transactional
@blp.response(200, IncomeReportSchema, description="Verified; the leader can no longer change it")
@_errors(404, 409, 422)
def verify_report(group_id, period):
    """Verify a group's report for a month (officers and admins)."""
    group = get_group_or_404(group_id)
    return operations.verify_report(group, _period(period), current_actor())


@blp.route("/income-reports/verify", methods=["POST"])
@api_access(blp, can_verify_reports)
@idempotent(blp, also_422="validation_error: no items or more than 200, or an item without a whole group_id "
                          "or a text period")
@blp.arguments(VerifyManyInputSchema)
@blp.response(200, VerifyManySchema, description="Each item verified or refused on its own")
@_errors(400)
def verify_many(values):
    """Verify up to 200 reports at once (officers and admins); each item stands alone.

    An item is refused, without stopping the others, with `not_found` (no such group, or no report
    for that month), `already_verified` (also when another officer verified it a moment earlier) or
    `validation_error` (a period that is not YYYY-MM).
    """
    result = operations.verify_reports([(item["group_id"], item["period"]) for item in values["items"]],
                                       current_actor())
    return {"verified": result.verified,
            "errors": [{"group_id": refusal.group_id, "period": refusal.period, "code": refusal.code,
                        "message": refusal.message} for refusal in result.refused]}
