"""API: a group's flag cases and the follow-ups that belong to them, over the same operation as the group page."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from kube.api.access import ApiBlueprint, api_access
from kube.api.fields import ArgsSchema, WholeNumber, number_range
from kube.api.schemas import ApiErrorSchema
from kube.auth.roles import can_see_all_groups
from kube.core.clock import office_today
from kube.core.database import MAX_ID
from kube.core.periods import format_month_index, format_period
from kube.groups.access import get_group_or_404
from kube.monitoring import cases, trends
from kube.monitoring.models import ACTIONS, STATES, FollowUp

blp = ApiBlueprint("api_cases", __name__, url_prefix="/api/v1", description="Flag cases and their follow-ups")


class CaseHistoryQuerySchema(ArgsSchema):
    """Query of GET /flags/history: the group."""

    group_id = WholeNumber(in_query=True, required=True, validate=number_range(1, MAX_ID),
                           metadata={"example": 12})


class CaseFollowUpSchema(Schema):
    """One action an officer took on the case."""

    id = fields.Integer(required=True)
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    action_date = fields.String(required=True, metadata={"example": "2025-07-14", "description": "ISO date"})
    state = fields.String(required=True, validate=validate.OneOf(STATES),
                          metadata={"description": "The case's state after this action"})
    flag_period = fields.String(required=True, metadata={"example": "2025-06",
                                                         "description": "The flag month followed up (YYYY-MM)"})
    note = fields.String(required=True)
    officer = fields.String(required=True, allow_none=True, metadata={"description": "The officer's full name"})


class CaseSchema(Schema):
    """One unbroken run of a flag kind on the group."""

    kind = fields.String(required=True, validate=validate.OneOf(trends.FLAG_KINDS))
    opened = fields.String(required=True, metadata={"example": "2025-03", "description": "First month the flag held"})
    closed = fields.String(required=True, allow_none=True, metadata={
        "example": "2025-08", "description": "First month it no longer held; null while the case is open"})
    follow_ups = fields.List(fields.Nested(CaseFollowUpSchema), required=True,
                             metadata={"description": "Oldest action first"})


class CaseHistorySchema(Schema):
    """A group's cases, newest opened first."""

    group_id = fields.Integer(required=True)
    cases = fields.List(fields.Nested(CaseSchema), required=True)


def _follow_up_json(follow_up: FollowUp) -> dict:
    return {"id": follow_up.id, "action": follow_up.action, "action_date": follow_up.action_date.isoformat(),
            "state": follow_up.state, "flag_period": format_period(follow_up.flag_period), "note": follow_up.note,
            "officer": follow_up.officer.full_name if follow_up.officer else None}


@blp.route("/flags/history", methods=["GET"])
@api_access(blp, can_see_all_groups)
@blp.arguments(CaseHistoryQuerySchema, location="query", unknown=RAISE)
@blp.response(200, CaseHistorySchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such group")
@blp.alt_response(422, schema=ApiErrorSchema, description="Missing or invalid group_id, unknown parameter")
def flag_history(args):
    """A group's flag cases, newest first: each kind's unbroken runs with the month they opened and closed, and
    the follow-ups that belong to them (same kind, flag month within the case). Staff only."""
    group = get_group_or_404(args["group_id"])
    found = cases.group_cases(group, office_today())
    return {"group_id": group.id, "cases": [
        {"kind": record.kind, "opened": format_month_index(record.opened),
         "closed": None if record.closed is None else format_month_index(record.closed),
         "follow_ups": [_follow_up_json(follow_up) for follow_up in record.follow_ups]}
        for record in found]}
