"""API: the requesting officer's or administrator's work inbox, the same counts as their home page."""
from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from kube.api.access import ApiBlueprint, api_access
from kube.auth.roles import can_use_inbox
from kube.core.clock import office_today
from kube.inbox import INBOX_KINDS, inbox

blp = ApiBlueprint("api_inbox", __name__, url_prefix="/api/v1", description="The work inbox")


class InboxItemSchema(Schema):
    """One kind of waiting work and the page that lists exactly those rows."""

    kind = fields.String(required=True, validate=validate.OneOf(INBOX_KINDS))
    count = fields.Integer(required=True, metadata={"example": 3})
    url = fields.String(required=True, metadata={"example": "/grants?to_approve=1"})


class InboxSchema(Schema):
    """Every inbox kind, in a fixed order, with its exact count for the requesting user."""

    items = fields.List(fields.Nested(InboxItemSchema), required=True)


@blp.route("/inbox")
@api_access(blp, can_use_inbox)
@blp.response(200, InboxSchema)
def get_inbox():
    """What waits for the requesting officer or administrator: grants to approve (never their own) and to hand
    over, reports to verify, groups missing their last overdue report, flags without a follow-up in 30 days,
    and equipment due a check."""
    return {"items": inbox(current_user, office_today())}
